/work/main/benches/match-time/target/release/deps/bench_match_time-826865c6e2479a07.d: src/main.rs

/work/main/benches/match-time/target/release/deps/bench_match_time-826865c6e2479a07: src/main.rs

src/main.rs:
