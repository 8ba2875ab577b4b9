//! Migrations (NX2xx): schema changes, and what makes them run once, first, with the app's version.

// The family's rule files, listed by build.rs.
include!(concat!(env!("OUT_DIR"), "/family_migrations.rs"));

use nexus_model::migration::image_repository;
use nexus_model::{Migration, Platform, Span, Workload, WorkloadId};

/// Where a finding on a workload points: the `kind:` of its object, or its Compose service key.
pub(crate) fn anchor(p: &Platform, w: &Workload) -> Span {
    if let Some(o) = w.object {
        return p.object(o).kind.span;
    }
    w.compose.as_ref().map_or(w.name.span, |c| c.key_span)
}

/// The image of the container that runs the migration.
pub(crate) fn migration_image<'a>(p: &'a Platform, m: &Migration) -> Option<&'a nexus_model::Spanned<String>> {
    let w = p.workload(m.workload);
    w.all_containers().find(|c| c.name.value == m.container).and_then(|c| c.image.as_ref())
}

/// The users of the migration's datastore, the apps it migrates for first: those that run the
/// image (repository) the migration runs.
pub(crate) fn users_own_first(p: &Platform, m: &Migration) -> Vec<WorkloadId> {
    let repo = migration_image(p, m).map(|i| image_repository(&i.value).to_string());
    let runs_it = |w: WorkloadId| {
        repo.as_deref().is_some_and(|r| {
            p.workload(w)
                .containers
                .first()
                .and_then(|c| c.image.as_ref())
                .is_some_and(|i| image_repository(&i.value) == r)
        })
    };
    let (mut own, other): (Vec<WorkloadId>, Vec<WorkloadId>) = m.users.iter().partition(|&&w| runs_it(w));
    own.extend(other);
    own
}

/// `kind/name -n ns` for kubectl.
pub(crate) fn kubectl_target(w: &Workload) -> String {
    let ns = w.namespace.as_deref().map_or(String::new(), |n| format!(" -n {n}"));
    format!("{}/{}{ns}", w.kind.as_str().to_ascii_lowercase(), w.name.value)
}
