//! (protocol helper fills this module)
