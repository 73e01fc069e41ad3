/work/main/benches/match-time/target/release/deps/form_urlencoded-74d4a346b0273bfc.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/form_urlencoded-1.2.3/src/lib.rs

/work/main/benches/match-time/target/release/deps/libform_urlencoded-74d4a346b0273bfc.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/form_urlencoded-1.2.3/src/lib.rs

/work/main/benches/match-time/target/release/deps/libform_urlencoded-74d4a346b0273bfc.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/form_urlencoded-1.2.3/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/form_urlencoded-1.2.3/src/lib.rs:
