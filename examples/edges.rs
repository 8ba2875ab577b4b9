fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let s = nexus_lint::config::Settings::default();
    let l = nexus_lint::check::load(&nexus_lint::check::InputSpec::Paths(args), &s);
    let p = &l.platform;
    for e in &p.edges {
        let c = p.workload(e.consumer);
        let f = l.db.get(e.target.span.file);
        let pos = f.position(e.target.span.start);
        println!(
            "{} -> {:?} [{}] {:?} at {}:{}:{} {:?}",
            c.resource,
            e.provider.map(|w| p.workload(w).resource.to_string()),
            e.target.value,
            e.kind,
            f.path,
            pos.line,
            pos.column,
            &f.text[e.target.span.range()]
        );
    }
    for g in &p.gates {
        println!(
            "GATE {} {:?} -> {:?} {:?} {:?}",
            p.workload(g.consumer).resource,
            g.kind,
            g.provider.map(|w| p.workload(w).resource.to_string()),
            g.timeout,
            g.level
        );
    }
    for w in &p.workloads {
        println!("ROLE {} {:?}", w.resource, w.role);
    }
}
