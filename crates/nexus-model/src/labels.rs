//! Label selectors with Kubernetes' exact semantics: `matchLabels` and `matchExpressions` are
//! ANDed; `In`/`NotIn`/`Exists`/`DoesNotExist`; `NotIn` and `DoesNotExist` match objects that
//! lack the key; an empty selector matches everything (for the kinds where it means that:
//! PodDisruptionBudget `policy/v1`, NetworkPolicy `podSelector`).

use std::collections::BTreeMap;

use super::Spanned;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SelectorOp {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl SelectorOp {
    pub fn parse(s: &str) -> Option<SelectorOp> {
        Some(match s {
            "In" => SelectorOp::In,
            "NotIn" => SelectorOp::NotIn,
            "Exists" => SelectorOp::Exists,
            "DoesNotExist" => SelectorOp::DoesNotExist,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub op: SelectorOp,
    pub values: Vec<String>,
}

impl Requirement {
    pub fn matches(&self, labels: &BTreeMap<String, Spanned<String>>) -> bool {
        let v = labels.get(&self.key).map(|s| s.value.as_str());
        match self.op {
            SelectorOp::In => v.is_some_and(|v| self.values.iter().any(|x| x == v)),
            SelectorOp::NotIn => v.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            SelectorOp::Exists => v.is_some(),
            SelectorOp::DoesNotExist => v.is_none(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, Spanned<String>>,
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    pub fn matches(&self, labels: &BTreeMap<String, Spanned<String>>) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k).is_some_and(|l| l.value == v.value))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    /// `k=v,k2 in (a,b)` — for messages.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.match_labels.iter().map(|(k, v)| format!("{k}={}", v.value)).collect();
        for r in &self.match_expressions {
            parts.push(match r.op {
                SelectorOp::In => format!("{} in ({})", r.key, r.values.join(",")),
                SelectorOp::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                SelectorOp::Exists => r.key.clone(),
                SelectorOp::DoesNotExist => format!("!{}", r.key),
            });
        }
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_source::Span;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, Spanned<String>> {
        pairs.iter().map(|(k, v)| (k.to_string(), Spanned::new(v.to_string(), Span::default()))).collect()
    }

    #[test]
    fn selector_semantics() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let mut s = LabelSelector::default();
        assert!(s.matches(&l));
        s.match_labels = labels(&[("app", "web")]);
        assert!(s.matches(&l));
        s.match_expressions.push(Requirement { key: "env".into(), op: SelectorOp::NotIn, values: vec!["prod".into()] });
        assert!(s.matches(&l), "NotIn matches a missing key");
        s.match_expressions.push(Requirement { key: "tier".into(), op: SelectorOp::In, values: vec!["back".into()] });
        assert!(!s.matches(&l));
        let e = LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![Requirement { key: "app".into(), op: SelectorOp::DoesNotExist, values: vec![] }],
        };
        assert!(!e.matches(&l));
        assert_eq!(e.describe(), "!app");
    }
}
