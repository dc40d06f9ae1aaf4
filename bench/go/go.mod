module libdstack-bench

go 1.22

require github.com/libdstack/libdstack/bindings/go v0.0.0

replace github.com/libdstack/libdstack/bindings/go => ../../bindings/go
