/work/main/benches/match-time/target/release/deps/apigw_envoy.d: /work/main/src/lib.rs /work/main/src/config/mod.rs /work/main/src/config/integration.rs /work/main/src/config/openapi.rs /work/main/src/context.rs /work/main/src/error.rs /work/main/src/event/mod.rs /work/main/src/event/invoke.rs /work/main/src/event/json.rs /work/main/src/event/v1.rs /work/main/src/event/v2.rs /work/main/src/gateway.rs /work/main/src/gateway_responses.rs /work/main/src/http.rs /work/main/src/integration/mod.rs /work/main/src/integration/params.rs /work/main/src/integration/target.rs /work/main/src/jsonpath/mod.rs /work/main/src/jsonpath/eval.rs /work/main/src/jsonpath/parser.rs /work/main/src/lambda_proxy.rs /work/main/src/lambda_response.rs /work/main/src/mapping.rs /work/main/src/media.rs /work/main/src/mock.rs /work/main/src/pairs.rs /work/main/src/routing.rs /work/main/src/selection.rs /work/main/src/template_env.rs /work/main/src/sigv4.rs /work/main/src/time.rs /work/main/src/vtl/mod.rs /work/main/src/vtl/ast.rs /work/main/src/vtl/compile.rs /work/main/src/vtl/error.rs /work/main/src/vtl/eval.rs /work/main/src/vtl/fxhash.rs /work/main/src/vtl/json.rs /work/main/src/vtl/lexer.rs /work/main/src/vtl/methods.rs /work/main/src/vtl/parser.rs /work/main/src/vtl/regex.rs /work/main/src/vtl/value.rs

/work/main/benches/match-time/target/release/deps/libapigw_envoy.so: /work/main/src/lib.rs /work/main/src/config/mod.rs /work/main/src/config/integration.rs /work/main/src/config/openapi.rs /work/main/src/context.rs /work/main/src/error.rs /work/main/src/event/mod.rs /work/main/src/event/invoke.rs /work/main/src/event/json.rs /work/main/src/event/v1.rs /work/main/src/event/v2.rs /work/main/src/gateway.rs /work/main/src/gateway_responses.rs /work/main/src/http.rs /work/main/src/integration/mod.rs /work/main/src/integration/params.rs /work/main/src/integration/target.rs /work/main/src/jsonpath/mod.rs /work/main/src/jsonpath/eval.rs /work/main/src/jsonpath/parser.rs /work/main/src/lambda_proxy.rs /work/main/src/lambda_response.rs /work/main/src/mapping.rs /work/main/src/media.rs /work/main/src/mock.rs /work/main/src/pairs.rs /work/main/src/routing.rs /work/main/src/selection.rs /work/main/src/template_env.rs /work/main/src/sigv4.rs /work/main/src/time.rs /work/main/src/vtl/mod.rs /work/main/src/vtl/ast.rs /work/main/src/vtl/compile.rs /work/main/src/vtl/error.rs /work/main/src/vtl/eval.rs /work/main/src/vtl/fxhash.rs /work/main/src/vtl/json.rs /work/main/src/vtl/lexer.rs /work/main/src/vtl/methods.rs /work/main/src/vtl/parser.rs /work/main/src/vtl/regex.rs /work/main/src/vtl/value.rs

/work/main/benches/match-time/target/release/deps/libapigw_envoy.rlib: /work/main/src/lib.rs /work/main/src/config/mod.rs /work/main/src/config/integration.rs /work/main/src/config/openapi.rs /work/main/src/context.rs /work/main/src/error.rs /work/main/src/event/mod.rs /work/main/src/event/invoke.rs /work/main/src/event/json.rs /work/main/src/event/v1.rs /work/main/src/event/v2.rs /work/main/src/gateway.rs /work/main/src/gateway_responses.rs /work/main/src/http.rs /work/main/src/integration/mod.rs /work/main/src/integration/params.rs /work/main/src/integration/target.rs /work/main/src/jsonpath/mod.rs /work/main/src/jsonpath/eval.rs /work/main/src/jsonpath/parser.rs /work/main/src/lambda_proxy.rs /work/main/src/lambda_response.rs /work/main/src/mapping.rs /work/main/src/media.rs /work/main/src/mock.rs /work/main/src/pairs.rs /work/main/src/routing.rs /work/main/src/selection.rs /work/main/src/template_env.rs /work/main/src/sigv4.rs /work/main/src/time.rs /work/main/src/vtl/mod.rs /work/main/src/vtl/ast.rs /work/main/src/vtl/compile.rs /work/main/src/vtl/error.rs /work/main/src/vtl/eval.rs /work/main/src/vtl/fxhash.rs /work/main/src/vtl/json.rs /work/main/src/vtl/lexer.rs /work/main/src/vtl/methods.rs /work/main/src/vtl/parser.rs /work/main/src/vtl/regex.rs /work/main/src/vtl/value.rs

/work/main/src/lib.rs:
/work/main/src/config/mod.rs:
/work/main/src/config/integration.rs:
/work/main/src/config/openapi.rs:
/work/main/src/context.rs:
/work/main/src/error.rs:
/work/main/src/event/mod.rs:
/work/main/src/event/invoke.rs:
/work/main/src/event/json.rs:
/work/main/src/event/v1.rs:
/work/main/src/event/v2.rs:
/work/main/src/gateway.rs:
/work/main/src/gateway_responses.rs:
/work/main/src/http.rs:
/work/main/src/integration/mod.rs:
/work/main/src/integration/params.rs:
/work/main/src/integration/target.rs:
/work/main/src/jsonpath/mod.rs:
/work/main/src/jsonpath/eval.rs:
/work/main/src/jsonpath/parser.rs:
/work/main/src/lambda_proxy.rs:
/work/main/src/lambda_response.rs:
/work/main/src/mapping.rs:
/work/main/src/media.rs:
/work/main/src/mock.rs:
/work/main/src/pairs.rs:
/work/main/src/routing.rs:
/work/main/src/selection.rs:
/work/main/src/template_env.rs:
/work/main/src/sigv4.rs:
/work/main/src/time.rs:
/work/main/src/vtl/mod.rs:
/work/main/src/vtl/ast.rs:
/work/main/src/vtl/compile.rs:
/work/main/src/vtl/error.rs:
/work/main/src/vtl/eval.rs:
/work/main/src/vtl/fxhash.rs:
/work/main/src/vtl/json.rs:
/work/main/src/vtl/lexer.rs:
/work/main/src/vtl/methods.rs:
/work/main/src/vtl/parser.rs:
/work/main/src/vtl/regex.rs:
/work/main/src/vtl/value.rs:
