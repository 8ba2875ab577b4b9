//! Output pieces: the human report, JSON against its schema, and the timeline picture.

mod common;

use nexus_sim::engine::SimOptions;
use nexus_sim::finding::FindingKind;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::render;
use nexus_sim::run::Simulator;
use serde_json::Value;

fn nexus_run() -> (nexus_sim::spec::SimPlatform, RunConfig) {
    (nexus_sim::example::nexus(), RunConfig { trials: 1_000, master_seed: 42 })
}

#[test]
fn human_report_has_the_tables_the_timelines_and_the_replay_command() {
    let (p, cfg) = nexus_run();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let r = sim.run(cfg);
    let out = render::human(&sim, &r, "nexus-lint simulate fixtures/nexus --seed 42");
    assert!(out.starts_with("1000 trials, master seed 42"), "{out}");
    assert!(out.contains("NX901  early-connect"));
    assert!(out.contains("nexus-backend → nexus-database"));
    assert!(out.contains("Time to ready"));
    assert!(out.contains("(platform)"));
    let first = &r.races[0];
    assert!(
        out.contains(&format!(
            "reproduce: nexus-lint simulate fixtures/nexus --seed 42 --replay {}",
            first.first_trial
        ))
    );
    assert!(out.contains("connection to nexus-database refused: will crash"));
    assert_eq!(out, render::human(&sim, &r, "nexus-lint simulate fixtures/nexus --seed 42"));
    // A race-free platform says so, with the rule of three.
    let fixed = nexus_sim::example::nexus_fixed();
    let sim = Simulator::new(&fixed, SimOptions::default()).unwrap();
    let r = sim.run(cfg);
    assert!(r.races.is_empty(), "{:?}", r.races);
    assert!(render::human(&sim, &r, "x").contains("No race in 1000 trials (each < 3/1000 at 95%)"));
}

/// A small JSON Schema validator for the keywords our schema uses.
fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            &root["$defs"][name]
        }
        None => schema,
    };
    if let Some(c) = schema.get("const")
        && c != v
    {
        errs.push(format!("{path}: expected {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} not in enum"));
    }
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = alts.iter().filter(|a| {
            let mut e = Vec::new();
            validate(a, root, v, path, &mut e);
            e.is_empty()
        });
        if ok.count() != 1 {
            errs.push(format!("{path}: not exactly one of oneOf"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let is = |t: &str| match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_u64() || v.is_i64(),
            "number" => v.is_number(),
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            errs.push(format!("{path}: {v} is not {types:?}"));
        }
    }
    if let (Some(min), Some(x)) = (schema.get("minimum").and_then(Value::as_f64), v.as_f64())
        && x < min
    {
        errs.push(format!("{path}: {x} < {min}"));
    }
    if let (Some(max), Some(x)) = (schema.get("maximum").and_then(Value::as_f64), v.as_f64())
        && x > max
    {
        errs.push(format!("{path}: {x} > {max}"));
    }
    if let Some(obj) = v.as_object() {
        for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(k) = r.as_str()
                && !obj.contains_key(k)
            {
                errs.push(format!("{path}: missing {k}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(s, root, val, &format!("{path}/{k}"), errs),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errs.push(format!("{path}: unexpected {k}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(items, root, x, &format!("{path}/{i}"), errs);
        }
    }
}

#[test]
fn json_output_is_valid_against_its_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("../../../docs/simulate-report.schema.json")).expect("the schema is JSON");
    let mut docs = Vec::new();
    let (p, cfg) = nexus_run();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    docs.push(render::json(&p, &sim.run(cfg)));
    // Every finding kind, and empty results.
    let mut stall = common::platform(vec![common::deployment("a", 1_000), common::deployment("b", 1_000)]);
    stall.dependencies.push(common::crash_dep(0, 1, 2_000));
    stall.plan.steps[0].action = nexus_sim::spec::StepAction::Apply { actors: vec![nexus_sim::spec::ActorId(0)] };
    let sim = Simulator::new(&stall, SimOptions::default()).unwrap();
    let r = sim.run(RunConfig { trials: 10, master_seed: 1 });
    assert!(r.races.iter().any(|r| r.kind == FindingKind::StartupStall));
    docs.push(render::json(&stall, &r));
    let empty = nexus_sim::spec::SimPlatform::default();
    let sim = Simulator::new(&empty, SimOptions::default()).unwrap();
    docs.push(render::json(&empty, &sim.run(RunConfig { trials: 0, master_seed: 0 })));
    for d in docs {
        let v: Value = serde_json::from_str(&d).expect("output is JSON");
        let mut errs = Vec::new();
        validate(&schema, &schema, &v, "", &mut errs);
        assert!(errs.is_empty(), "{errs:#?}");
    }
}

#[test]
fn the_timeline_svg_of_a_nexus_race_renders() {
    let (p, cfg) = nexus_run();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let r = sim.run(cfg);
    let race = &r.races[0];
    let replay = sim.replay(race.first_trial);
    let finding = replay.findings.iter().find(|f| f.kind == race.kind && f.primary == race.primary).copied();
    let svg = render::timeline_svg(&p, &replay, finding.as_ref());
    assert_eq!(svg, render::timeline_svg(&p, &sim.replay(race.first_trial), finding.as_ref()));
    let tl = nexus_sim::timeline::build(&p, &replay.log, finding.as_ref());
    // 17 containers (3 backend, 2×3 worker, 2×2 frontend, 4 single) and the deploy row.
    assert_eq!(tl.rows.len(), 18);
    assert!(tl.rows.iter().any(|r| r.highlight && r.label.starts_with("nexus-backend")));
    assert!(svg.contains("connection refused") && svg.contains("NX901 early-connect"));

    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    let expected_h = nexus_sim::render::svg_height(tl.rows.len());
    assert_eq!((size.width(), size.height()), (1200, expected_h));
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("pixmap");
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let px = pixmap.pixels();
    let white = px.iter().filter(|c| (c.red(), c.green(), c.blue()) == (255, 255, 255)).count();
    let green = px.iter().filter(|c| (c.red(), c.green(), c.blue()) == (0x41, 0xab, 0x5d)).count();
    assert!(
        white < px.len() && green > 1_000,
        "the picture is drawn: {white} white, {green} ready-green of {}",
        px.len()
    );
    // One example picture, in the test's temporary directory only.
    let dir = std::env::temp_dir().join(format!("nexus-sim-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nexus-race.svg"), &svg).unwrap();
    std::fs::write(dir.join("nexus-race.png"), pixmap.encode_png().expect("png")).unwrap();
    let html = render::timeline_html(&p, &replay, finding.as_ref());
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && html.ends_with("</html>\n"));
    std::fs::write(dir.join("nexus-race.html"), html).unwrap();
}
