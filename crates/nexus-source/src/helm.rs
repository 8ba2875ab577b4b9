//! Helm's `# Source: chart/templates/x.yaml` comments, which `helm template` writes at the top of
//! every rendered document, so that findings on a rendered stream can name the template.

use super::yaml::YamlFile;

/// For each document of a file, the template it was rendered from, if a `# Source:` comment
/// precedes its content.
pub fn sources(yaml: &YamlFile) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(yaml.docs.len());
    let mut prev_end = 0u32;
    for doc in &yaml.docs {
        let content_start = doc.root.map_or(doc.end, |r| yaml.node(r).start);
        let found = yaml
            .comments
            .iter()
            .filter(|c| c.start >= prev_end.min(doc.start) && c.start < content_start && !c.trailing)
            .filter_map(|c| yaml.comment_text(c).trim().strip_prefix("Source:").map(|s| s.trim().to_string()))
            .rfind(|s| !s.is_empty());
        out.push(found);
        prev_end = doc.end;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::FileId;
    use crate::yaml::{Limits, parse};

    #[test]
    fn maps_each_rendered_document_to_its_template() {
        let text = "---\n# Source: app/templates/svc.yaml\napiVersion: v1\nkind: Service\n---\n# Source: app/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n---\nkind: X\n";
        let y = parse(FileId(0), Arc::from(text), &Limits::default());
        assert_eq!(
            sources(&y),
            [Some("app/templates/svc.yaml".to_string()), Some("app/templates/deploy.yaml".to_string()), None]
        );
    }
}
