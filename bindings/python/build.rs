//! Gives this crate PyO3's cfgs (`Py_LIMITED_API`, `Py_3_10`, `PyPy`, ...), which
//! src/pydata.rs uses to read `str` objects without copying where the ABI allows.

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
