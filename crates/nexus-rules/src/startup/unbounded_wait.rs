use crate::prelude::*;
use nexus_model::gates::target_name;
use nexus_model::{Bound, GateKind};

declare_rule!(Warning);

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let p = cx.platform;
    for g in &p.gates {
        let tool = match &g.kind {
            GateKind::InitWait { tool } | GateKind::EntrypointWait { tool } => tool,
            _ => continue,
        };
        if g.timeout != Bound::Unbounded {
            continue;
        }
        let c = p.workload(g.consumer);
        let target = target_name(p, g);
        let who = g.container.as_deref().unwrap_or(&c.name.value);
        out.push(
            Diagnostic::new(META, g.span, format!("`{who}` waits for `{target}` with no timeout"))
                .label(format!("`{}` loop without a deadline", tool.as_str()))
                .help("Bound the wait (`timeout 120 sh -c 'until …; do sleep 2; done'`), so a missing dependency fails the pod visibly instead of hiding in `Init:0/1` forever.")
                .resource(&c.resource)
                .template(c.template.as_deref())
                .key(format!("{who}:{target}")),
        );
    }
}
