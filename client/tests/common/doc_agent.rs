// The agent for the crate's doc examples, included by a hidden first line of each:
// `# let _sim = include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/doc_agent.rs"));`
//
// With DSTACK_SIMULATOR_ENDPOINT and TAPPD_SIMULATOR_ENDPOINT both set, the examples use
// that agent. Otherwise this starts the workspace's simulator (`$DSTACK_SIMULATOR`, else
// target/{release,debug}/dstack-simulator) in a temporary directory, points both
// variables at it and stops it when the returned guard is dropped. Without a simulator
// binary it panics with how to build one: the examples really call an agent.
{
    type Reader = std::io::BufReader<std::process::ChildStdout>;
    struct DocAgent(Option<(std::process::Child, std::path::PathBuf, Reader)>);
    impl Drop for DocAgent {
        fn drop(&mut self) {
            if let Some((child, dir, _)) = &mut self.0 {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    fn doc_agent() -> DocAgent {
        use std::io::BufRead;
        let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        if set("DSTACK_SIMULATOR_ENDPOINT") && set("TAPPD_SIMULATOR_ENDPOINT") {
            return DocAgent(None);
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let bin = std::env::var_os("DSTACK_SIMULATOR")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                ["release", "debug"]
                    .iter()
                    .map(|p| target.join(p).join("dstack-simulator"))
                    .find(|p| p.exists())
            })
            .unwrap_or_else(|| {
                panic!("the doc examples call an agent: run `cargo build -p dstack-simulator` first")
            });
        let dir = std::env::temp_dir().join(format!("libdstack-doc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = std::process::Command::new(bin)
            .arg("--dir")
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while line.trim_end() != "ready" {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "the simulator exited");
        }
        std::env::set_var("DSTACK_SIMULATOR_ENDPOINT", dir.join("dstack.sock"));
        std::env::set_var("TAPPD_SIMULATOR_ENDPOINT", dir.join("tappd.sock"));
        DocAgent(Some((child, dir, out)))
    }
    doc_agent()
}
