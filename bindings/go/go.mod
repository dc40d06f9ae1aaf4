module github.com/libdstack/libdstack/bindings/go

go 1.22
