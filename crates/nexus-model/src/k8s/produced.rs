//! Secrets that custom resources of the repository have their controllers create, as config
//! sources: a reference to one resolves (NX401), and its keys are known where the resource
//! lists them.
//!
//! | resource | Secret | keys |
//! |---|---|---|
//! | External Secrets `ExternalSecret` | `spec.target.name`, else its own name | `spec.data[].secretKey` (unknown with `dataFrom` or a template) |
//! | Bitnami `SealedSecret` | its own name (`spec.template.metadata.name`) | `spec.encryptedData` |
//! | cert-manager `Certificate` | `spec.secretName` | `tls.crt`, `tls.key`, `ca.crt` |
//! | Vault Secrets Operator `VaultStaticSecret`, `VaultDynamicSecret`, `VaultPKISecret` | `spec.destination.name` | unknown |
//! | Secrets Store CSI `SecretProviderClass` | the first `spec.secretObjects[].secretName` | its `data[].key` |

use super::Piece;
use super::build::Cx;
use crate::kustomize::{Generated, GeneratedBy};
use crate::read::{str_at, string};
use crate::{ConfigEntry, ConfigId, ConfigKind, ConfigSource, ObjectId, ResourceRef, Spanned};
use nexus_source::yaml::NodeRef;

/// Reads the Secret a resource of this kind creates, if it is one this module knows.
pub(super) fn read(cx: &Cx<'_>, piece: &mut Piece, api_version: &str, kind: &str) {
    let group = api_version.split('/').next().unwrap_or("");
    let spec = cx.root.get("spec");
    let own = || cx.piece_name.clone();
    let keys = |list: Option<NodeRef<'_>>, field: &str| -> Vec<Spanned<String>> {
        list.into_iter().flat_map(|l| l.items()).filter_map(|i| str_at(i, field)).collect()
    };
    let (name, keys, keys_known) = match (group, kind) {
        ("external-secrets.io", "ExternalSecret") => {
            let target = spec.and_then(|s| s.path(&["target", "name"])).and_then(string).or_else(own);
            let templated =
                spec.is_some_and(|s| s.get("dataFrom").is_some() || s.path(&["target", "template"]).is_some());
            (target, keys(spec.and_then(|s| s.get("data")), "secretKey"), !templated)
        }
        ("bitnami.com", "SealedSecret") => {
            let name = spec.and_then(|s| s.path(&["template", "metadata", "name"])).and_then(string).or_else(own);
            let keys = spec
                .and_then(|s| s.get("encryptedData"))
                .into_iter()
                .flat_map(|m| m.entries())
                .filter_map(|e| string(e.key))
                .collect();
            (name, keys, true)
        }
        ("cert-manager.io", "Certificate") => {
            let name = spec.and_then(|s| str_at(s, "secretName"));
            let keys = name
                .iter()
                .flat_map(|n| ["tls.crt", "tls.key", "ca.crt"].map(|k| Spanned::new(k.to_string(), n.span)))
                .collect();
            (name, keys, true)
        }
        ("secrets.hashicorp.com", "VaultStaticSecret" | "VaultDynamicSecret" | "VaultPKISecret") => {
            (spec.and_then(|s| s.path(&["destination", "name"])).and_then(string), Vec::new(), false)
        }
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
            let first = spec.and_then(|s| s.get("secretObjects")).and_then(|l| l.items().next());
            (first.and_then(|o| str_at(o, "secretName")), keys(first.and_then(|o| o.get("data")), "key"), true)
        }
        _ => return,
    };
    let Some(name) = name else { return };
    piece.config = Some(Box::new(ConfigSource {
        id: ConfigId(0),
        kind: ConfigKind::Secret,
        resource: ResourceRef::k8s("Secret", cx.namespace.as_deref(), &name.value),
        name,
        namespace: cx.namespace.clone(),
        file: cx.src.id,
        span: cx.root.span(),
        object: Some(ObjectId(0)),
        project: None,
        data: keys.into_iter().map(|key| ConfigEntry { key, value: None }).collect(),
        immutable: false,
        annotations: piece.object.annotations.clone(),
        external_file: None,
        generated: Some(Generated { by: GeneratedBy::Resource, hashed: false, overlay: false, keys_known }),
    }));
}
