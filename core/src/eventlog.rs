//! (crypto helper fills this module)
