# The two commands of the README. Everything else is in scripts/.
.PHONY: demo test build bench dist

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

# libdstack, the simulator and libdstack_verify, each in a cargo run of its own (scripts/lib.sh).
build:
	bash -c 'source scripts/lib.sh && build_release'

bench:
	bash scripts/bench.sh

# Release artifacts in dist/: C tarball, Python wheel and sdist, Go module, simulator.
dist:
	bash scripts/dist.sh
