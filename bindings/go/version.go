package dstack

// Version is the version of this package. It is the version of libdstack and of
// every other binding (the workspace version in Cargo.toml; scripts/check-version.sh
// checks that they agree). LibraryVersion reports the version of the linked library.
const Version = "0.1.0"
