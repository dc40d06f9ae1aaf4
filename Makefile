# The two commands of the README. Everything else is in scripts/.
.PHONY: demo test build bench dist

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

build:
	cargo build --release --locked -p dstack-ffi -p dstack-simulator

bench:
	bash scripts/bench.sh

# Release artifacts in dist/: C tarball, Python wheel and sdist, Go module, simulator.
dist:
	bash scripts/dist.sh
