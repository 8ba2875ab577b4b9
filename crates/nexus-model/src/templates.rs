//! Templates given as manifests: Helm's (`{{ .Values… }}`), and other tools' Go templates in
//! files that are not YAML until rendered. A file that is one is reported once instead of as a
//! flood of YAML errors ([`template_problem`]); a chart's templates once per chart
//! ([`chart_templates`]); and the objects they name literally are remembered
//! ([`template_objects`]), so that nothing is reported missing that a chart may define.

use nexus_source::yaml::YamlFile;
use nexus_source::{FileId, SourceDb, Span};

use crate::{InputProblem, InputProblemKind};

/// Helm template syntax: a `{{` opening an action that Helm (not Prometheus, Alertmanager or
/// other Go-template text inside a config value) would evaluate.
///
/// An action that uses Helm's own objects or functions (`.Values`, `.Release`, `include`,
/// `toYaml`, …) makes the file a Helm template. An action with only words every Go template
/// has (`if`, `range`, `end`, …) does so only when the file is not valid YAML: Helm templates
/// that branch or loop (`{{- if … }}` on a line of its own) break YAML, while Alertmanager's
/// `{{ range .Alerts }}` inside a ConfigMap value is just text in a valid document.
///
/// Any other action in a file that is not valid YAML makes it a template of some other tool
/// (consul-template's `{{ env "NOMAD_PORT_http" }}`, gomplate): `Template::Other`.
pub(crate) fn helm_action(text: &str, valid_yaml: impl FnOnce() -> bool) -> Option<(usize, usize, Template)> {
    const HELM: &[&str] = &[
        ".Values",
        ".Release",
        ".Chart",
        ".Capabilities",
        ".Files",
        ".Template",
        "$.Values",
        "include",
        "toYaml",
        "tpl",
        "required",
        "/*",
    ];
    const GO: &[&str] = &["if", "else", "end", "range", "with", "define", "template", "default", "quote", "printf"];
    let mut generic = None;
    let mut other = None;
    // An action written as a whole unquoted value (`name: {{ .Name }}`) is valid YAML only as a
    // mapping inside a mapping, which no manifest means: the file is a template even though it
    // parses (kustomize's function templates, `*.template.yaml`).
    let mut as_value = false;
    let b = text.as_bytes();
    // One searcher for the whole text: `str::find` prepares a new one for every call.
    let closing = memchr::memmem::Finder::new("}}");
    for start in memchr::memmem::find_iter(b, "{{") {
        let rest = text[start + 2..].trim_start_matches('-').trim_start();
        let end = closing.find(&b[start..]).map_or(start + 2, |j| start + j + 2);
        let line_end = memchr::memchr(b'\n', &b[start..]).map_or(text.len(), |j| start + j);
        let span = (start, end.min(line_end.max(start + 2)));
        let action = &text[start..end.min(text.len())];
        if HELM.iter().any(|w| rest.starts_with(w)) || action.contains(".Values") || action.contains(".Release.") {
            return Some((span.0, span.1, Template::Helm));
        }
        if generic.is_none() && GO.iter().any(|w| rest.starts_with(w)) {
            generic = Some((span.0, span.1, Template::Helm));
        }
        if other.is_none() && action.ends_with("}}") && rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '.')
        {
            other = Some((span.0, span.1, Template::Other));
        }
        if action.ends_with("}}") && rest.starts_with('.') && whole_value(text, start, end.min(text.len())) {
            as_value = true;
        }
    }
    // Words every Go template has make a Helm template of a file that describes Kubernetes
    // objects; in any other file (an OpenAPI document or an app's config rendered by its own
    // program, authelia's `{{- if .PasswordReset }}`) they are another tool's template.
    let objects = || {
        text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("apiVersion:") || l.starts_with("kind:")
        })
    };
    let generic = generic.map(|(s, e, _)| (s, e, if objects() { Template::Helm } else { Template::Other }));
    generic.or(other).filter(|_| as_value || !valid_yaml())
}

/// Is the action at `start..end` a whole unquoted value of a mapping key or sequence item
/// (`name: {{ .Name }}`, `- {{ .Item }}`), outside any block scalar (text in `text: |` is not
/// YAML structure: Alertmanager's `:interrobang: {{ .CommonLabels.severity }}`)?
fn whole_value(text: &str, start: usize, end: usize) -> bool {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let head = &text[line_start..start];
    let after = text[end..].trim_start_matches(' ');
    if !(after.is_empty() || after.starts_with(['\n', '\r', '#'])) {
        return false;
    }
    let head = head.trim();
    let head = head.strip_prefix("- ").map_or(head, str::trim_start);
    let key = head.strip_suffix(':').is_some_and(|k| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '"' | '\''))
    });
    if !(key || head == "-") {
        return false;
    }
    // The nearest line above with less indentation is the parent: a block scalar's key there
    // (`text: |`, `run: >-`) makes this line text.
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(&text[line_start..]);
    let parent = text[..line_start].lines().rev().find(|l| !l.trim().is_empty() && indent(l) < own);
    !parent.is_some_and(|l| {
        let l = l.trim_end();
        let tail = l.rsplit(' ').next().unwrap_or(l);
        tail.starts_with(['|', '>']) && tail[1..].chars().all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
    })
}

/// What kind of template a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Template {
    Helm,
    /// Go-template actions Helm does not need (`{{ env "X" }}`), in a file that is not YAML
    /// until rendered: another tool's template.
    Other,
}

pub(crate) fn template_problem(file: FileId, start: u32, end: u32, kind: Template) -> InputProblem {
    match kind {
        Template::Helm => InputProblem::new(
            InputProblemKind::Template,
            Span::new(file, start, end),
            "file is an unrendered Helm template; it is not checked",
            Some("Render it and check the output: `helm template <release> <chart> | nexus-lint check -`.".into()),
        ),
        Template::Other => {
            let mut p = InputProblem::new(
                InputProblemKind::Template,
                Span::new(file, start, end),
                "file is a template (`{{ … }}` actions), not YAML until rendered; it is not checked",
                Some("If it renders Kubernetes manifests or a Compose file, check the rendered output.".into()),
            );
            p.note = true;
            p
        }
    }
}

/// Unrendered templates, one problem per Helm chart: the templates under a chart's
/// `templates/` (the nearest directory above with a `Chart.yaml` of the run) are what a chart is
/// made of, so a chart says once, as a note, that it was not rendered. A template found outside
/// any chart was given as a manifest, and stays an error of its own.
pub(crate) fn chart_templates(
    db: &SourceDb,
    trees: &[Option<YamlFile>],
    templates: Vec<InputProblem>,
) -> Vec<InputProblem> {
    let chart_of = |path: &str| {
        let dirs = path.match_indices('/').rev().map(|(i, _)| (&path[..i], &path[i + 1..]));
        for (dir, rest) in dirs.chain([("", path)]) {
            let file = |n: &str| if dir.is_empty() { n.to_string() } else { format!("{dir}/{n}") };
            if let Some(chart) = ["Chart.yaml", "Chart.yml"].iter().find_map(|n| db.find(&file(n))) {
                return rest.starts_with("templates/").then_some(chart.id);
            }
        }
        None
    };
    let mut out = Vec::new();
    let mut charts: std::collections::BTreeMap<FileId, Vec<InputProblem>> = Default::default();
    for p in templates {
        match chart_of(&db.get(p.span.file).path) {
            Some(chart) => charts.entry(chart).or_default().push(p),
            None => out.push(p),
        }
    }
    for (chart, mut problems) in charts {
        problems.sort_by_key(|p| p.span);
        let first = problems[0].span;
        let name = trees[chart.0 as usize]
            .as_ref()
            .and_then(|y| y.docs.first().and_then(|d| y.root(d)))
            .and_then(|root| root.get("name"))
            .filter(|n| n.as_str().is_some());
        let span = name.map_or(Span::point(chart, 0), |n| n.span());
        let dir = db.get(chart).path.rsplit_once('/').map_or(".", |(d, _)| d);
        let count = problems.len();
        let templates = if count == 1 { "template is".to_string() } else { format!("{count} templates are") };
        let message = match name.and_then(|n| n.as_str()) {
            Some(n) => format!("`{n}` is an unrendered Helm chart: its {templates} not checked"),
            None => format!("the Helm chart in `{dir}` is not rendered: its {templates} not checked"),
        };
        let mut p = InputProblem::new(
            InputProblemKind::Template,
            span,
            message,
            Some(format!(
                "Render the chart and check the output: `helm template <release> {dir} | nexus-lint check -`."
            )),
        );
        p.related.push((first, "first template action".into()));
        p.note = true;
        out.push(p);
    }
    out
}

/// The objects an unrendered template names literally (`kind: Service` and, under `metadata:`,
/// `name: web`), read as text: an object the run does not have may come from a chart it did not
/// render, and is not reported as missing.
pub(crate) fn template_objects(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for doc in text.split("\n---") {
        let mut kind = None;
        let mut in_metadata = false;
        let mut name = None;
        for line in doc.lines() {
            let plain = |l: &str| l.trim().trim_matches(['"', '\'']).to_string();
            if let Some(k) = line.strip_prefix("kind:") {
                kind = Some(plain(k));
            } else if line.starts_with("metadata:") {
                in_metadata = true;
            } else if in_metadata && !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
                in_metadata = false;
            } else if in_metadata
                && name.is_none()
                && let Some(n) = line.trim_start().strip_prefix("name:")
                && line.len() - line.trim_start().len() == 2
            {
                name = Some(plain(n));
            }
        }
        if let (Some(k), Some(n)) = (kind, name)
            && !k.contains("{{")
            && !n.contains("{{")
            && !n.is_empty()
        {
            out.push((k, n));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_actions_not_other_braces() {
        let helm = |t: &str, valid: bool| helm_action(t, || valid).is_some_and(|(_, _, k)| k == Template::Helm);
        assert!(helm("image: {{ .Values.image }}\n", true));
        assert!(helm("{{- if .Values.x }}\n", false));
        assert!(helm("{{- if eq .x 1 }}\nkind: Pod\n{{- end }}\n", false));
        assert!(!helm("summary: 'Instance {{ $labels.instance }} down'\n", true));
        // Alertmanager's templates inside a ConfigMap value are Go templates, not Helm.
        assert!(!helm("data:\n  t: |\n    {{ range .Alerts }}{{ .Annotations.summary }}{{ end }}\n", true));
        let t = "a: 1\nb: {{ include \"x\" . }}\n";
        let (s, e, _) = helm_action(t, || true).unwrap();
        assert_eq!(&t[s..e], "{{ include \"x\" . }}");
        // consul-template in a Nomad job's config: another tool's template, only when not YAML.
        let t = "server:\n  port: {{ env \"NOMAD_PORT_http\" }}\n";
        assert_eq!(helm_action(t, || false).map(|(_, _, k)| k), Some(Template::Other));
        assert_eq!(helm_action(t, || true), None);
        // A whole unquoted value: a template though it parses (as a mapping in a mapping).
        let t = "kind: Deployment\nmetadata:\n  name:  {{ .Name }}\nspec:\n  replicas: {{ .Replicas }}\n";
        assert_eq!(helm_action(t, || true).map(|(_, _, k)| k), Some(Template::Other));
        // In a block scalar: text for another program.
        let t = "data:\n  text: |\n    name: {{ .Name }}\n    *Unknown* :x: {{ .Severity }}\n";
        assert_eq!(helm_action(t, || true), None);
        // Quoted, or inside a longer value: text.
        assert_eq!(helm_action("a: \"{{ .Name }}\"\nb: x-{{ .Name }}\n", || true), None);
        // Only Go's own words, in a file that is no Kubernetes object: another tool's template.
        let t = "tags:\n  {{- if .PasswordReset }}\n  - name: Password Reset\n  {{- end }}\n";
        assert_eq!(helm_action(t, || false).map(|(_, _, k)| k), Some(Template::Other));
    }
}
