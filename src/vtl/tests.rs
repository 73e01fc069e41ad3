//! Unit tests, one group per construct and one per limit. They also run on
//! wasm32-unknown-unknown through wasm-bindgen-test.

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

fn env(body: &str) -> Env {
    let e = Env::new(Input {
        body: body.into(),
        path: vec![("id".into(), "42".into())],
        querystring: vec![("q".into(), "first".into()), ("q".into(), "last".into())],
        header: vec![("X-Trace".into(), "abc".into())],
    });
    let ro = Value::new_map();
    for k in ["path", "header", "querystring"] {
        ro.map_insert(k, Value::new_map());
    }
    e.context.map_insert("requestOverride", ro);
    let rso = Value::new_map();
    rso.map_insert("header", Value::new_map());
    e.context.map_insert("responseOverride", rso);
    e.context.map_insert("stage", Value::from("prod"));
    e.stage_variables.map_insert("name", Value::from("v1"));
    e
}

fn r(t: &str) -> String {
    rb(t, r#"{"a":{"b":[1,2,{"c":"d"}]},"s":"x y","n":null,"i":7,"f":1.5}"#)
}

fn rb(t: &str, body: &str) -> String {
    match Template::compile(t) {
        Ok(tpl) => match tpl.render(&mut env(body)) {
            Ok(s) => s,
            Err(e) => format!("<render error: {e}>"),
        },
        Err(e) => format!("<compile error: {e}>"),
    }
}

fn render_err(t: &str) -> RenderError {
    Template::compile(t).unwrap().render(&mut env("")).unwrap_err()
}

// References: plain, formal, silent, undefined (API Gateway: always "").
#[test]
fn references() {
    assert_eq!(r("#set($a = 'x')$a|${a}|$!a|$!{a}|$nope|$!nope|${nope}"), "x|x|x|x|||");
    assert_eq!(r("#set($a-b = 1)$a-b"), "1");
    assert_eq!(r("$a."), "$a.".replace("$a", ""));
    assert_eq!(r("Hello $ and $! x"), "Hello $ and $ x");
    assert!(Template::compile("a $").is_err());
    assert_eq!(r("#set($m = {'k': {'j': [5, 6]}})$m.k.j[1] $m.k.j.get(0) $m['k'].j.size()"), "6 5 2");
    assert_eq!(r("#set($l = ['a','b'])$l[-1]"), "b");
}

// Escapes: \$ prints the reference as written; \\$ prints one backslash and the value.
#[test]
fn escapes() {
    assert_eq!(r("#set($e = 'foo')\\$e \\\\$e \\$nope \\#if \\#end \\#foo \\\\"), "$e \\foo $nope #if #end \\#foo \\\\");
    assert_eq!(r("\\\\#if(true)x#end"), "\\x");
}

// Comments and unparsed blocks.
#[test]
fn comments() {
    assert_eq!(r("a## c\nb#* x\ny *#c#** z *#d#[[ $a #if ]]#e"), "abcd $a #if e");
    assert_eq!(r("a#* never closed"), "a");
}

// Literals: strings (interpolation only in "..."), numbers, booleans, lists, maps, ranges.
#[test]
fn literals() {
    assert_eq!(r("#set($n = 'N')#set($s = \"a $n\")$s|#set($t = 'a $n')$t"), "a N|a $n");
    assert_eq!(r(r#"#set($q = "a""b")$q|#set($q = 'it''s')$q|#set($u = "\u0041")$u"#), "a\"b|it's|A");
    assert_eq!(r("#set($x = 10)$x|#set($x = -3)$x|#set($x = 2.50)$x|#set($x = 1e3)$x|#set($x = true)$x"), "10|-3|2.5|1000.0|true");
    assert_eq!(r("#set($l = [1, 'a', [2]])$l|#set($m = {'a': 1, 'b': [true]})$m"), "[1, a, [2]]|{a=1, b=[true]}");
    assert_eq!(r("#foreach($i in [3..1])$i#end|#set($n = 2)#foreach($i in [0..$n])$i#end"), "321|012");
    assert_eq!(r(r##"#set($s = "#if(true)in#end!")$s"##), "in!");
}

// Java arithmetic as Velocity 1.7: integer division, Integer widening to Long, doubles.
#[test]
fn arithmetic() {
    assert_eq!(r("#set($x = 7 / 2)$x|#set($x = -7 % 3)$x|#set($x = 7.0 / 2)$x|#set($x = 2 * 3 + 1)$x"), "3|-1|3.5|7");
    assert_eq!(r("#set($x = 2147483647 + 1)$x|#set($x = 2147483647 * 2)$x"), "2147483648|4294967294");
    assert_eq!(r("#set($x = 5)#set($x = 1 / 0)$x|#set($x = 1 % 0)$x"), "5|5");
    assert_eq!(r("#set($x = 'a' + 1)$x|#set($x = 1 + $nope)$x"), "a1|1");
    assert_eq!(r("#set($x = .5 * .1)$x|#set($x = 100.0 / 50)$x"), "0.05|2.0");
}

// Comparisons and logic, symbols and words; null/undefined is true in #if (API Gateway).
#[test]
fn conditions() {
    assert_eq!(r("#if(1 < 2 && 2 le 2 and not false)y#end#if(1 == 1.0)y#end#if('1' == 1)y#end"), "yyy");
    assert_eq!(r("#if($nope)u#end#if(!$nope)x#end#if($nope == '')e#end#if($input.path('$.n'))n#end"), "uen");
    assert_eq!(r("#if(false)a#elseif(true)b#else c#end#if(false)a#else c#end"), "b c");
    assert_eq!(r("#if('s')s#end#if(1)i#end#if([1])l#end#if(1 + 1)m#end"), "");
    assert_eq!(r("#set($b = 1 > 2)$b|#set($b = !true)$b|#set($b = 1 eq 1 || false)$b"), "false|false|true");
}

// #foreach: counters, scope, nested, restore of the loop variable, maps iterate values.
#[test]
fn foreach() {
    assert_eq!(
        r("#foreach($i in ['a','b'])$velocityCount$velocityHasNext$foreach.index$foreach.count$foreach.first$foreach.last $i,#end"),
        "1true01truefalse a,2false12falsetrue b,"
    );
    assert_eq!(r("#set($i = 'x')#foreach($i in [1,2])$i#end$i"), "12x");
    assert_eq!(r("#foreach($i in [1,2])#foreach($j in [3,4])$foreach.parent.count$j#end#end"), "13142324");
    assert_eq!(r("#foreach($v in {'a': 1, 'b': 2})$v#end#foreach($x in 'str')no#end#foreach($x in $nope)no#end"), "12");
    assert_eq!(r("#foreach($i in [1..5])$i#if($i == 2)#break#end#end"), "12");
    assert_eq!(r("#foreach($i in [1,2])#foreach($j in [1,2])$i$j#break($foreach.parent)#end#end"), "11");
    assert!(matches!(render_err("#set($l = [1,2])#foreach($i in $l)$l.add(3)#end"), RenderError::Method(_)));
}

// #stop keeps what was written; #break outside a loop stops too.
#[test]
fn stop() {
    assert_eq!(r("hello #stop world"), "hello ");
    assert_eq!(r("a#break b"), "a");
}

// #define renders its body where it is printed, with the variables of that moment.
#[test]
fn define() {
    assert_eq!(r("#define($d)[$x]#end#set($x = 1)$d#set($x = 2)$d"), "[1][2]");
    assert_eq!(r("#define($d)x$d#end[$d]"), "[xx$d]");
}

// #macro is off: the definition prints nothing and a call prints as written. #evaluate too.
#[test]
fn macros_and_evaluate_are_off() {
    assert_eq!(r("#macro(m $a)hi#end#m(1)"), "#m(1)");
    assert_eq!(r("#set($s = 'x')#evaluate($s)"), "#evaluate($s)");
    assert_eq!(r("#foo\n#foo()\n"), "#foo\n#foo()\n");
}

// Velocity 1.7 whitespace: a directive's ')' / #else / #end swallow one newline; #set eats the
// indentation before it only when it starts a new token.
#[test]
fn whitespace_rules() {
    assert_eq!(r("#set($a = 1)\n$a\n"), "1\n");
    assert_eq!(r("x\n  #set($a = 1)\n  y"), "x\n    y");
    assert_eq!(r("#set($a = 1)\n  #set($b = 2)\n  y"), "  y");
    assert_eq!(r("#if(true)\n a\n#else\n b\n#end\nz"), " a\nz");
    assert_eq!(r("#if(true) \n a#end  \nz"), " az");
    assert_eq!(r("#foreach($i in [1,2])\n$i\n#end\n"), "1\n2\n");
}

// Map assignments API Gateway users rely on.
#[test]
fn set_forms() {
    assert_eq!(
        r("#set($k = 'q')#set($context.requestOverride.querystring[$k] = 'bar')$context['requestOverride'].querystring['q']"),
        "bar"
    );
    assert_eq!(r("#set($m = {})#set($m.a = 1)#set($m['b'] = 2)$m|#set($nope.x = 1)$nope"), "{a=1, b=2}|");
    assert_eq!(r("#set($l = [1,2])#set($l[0] = 9)$l"), "[9, 2]");
    assert!(matches!(render_err("#set($l = [1])#set($l[3] = 9)"), RenderError::Method(_)));
}

// Java String methods, UTF-16 indexes and all.
#[test]
fn string_methods() {
    assert_eq!(
        r("#set($s = 'Hello World')$s.length() $s.substring(6) $s.substring(0, 5) $s.indexOf('o') $s.lastIndexOf('o') $s.toUpperCase() $s.toLowerCase()"),
        "11 World Hello 4 7 HELLO WORLD hello world"
    );
    assert_eq!(
        r("#set($s = ' ab ')[$s.trim()] $s.contains('a') $s.startsWith(' a') $s.endsWith('b') $s.isEmpty() $s.charAt(1) $s.concat('!') $s.equals(' ab ') $s.equalsIgnoreCase(' AB ')"),
        "[ab] true true false false a  ab ! true true"
    );
    assert_eq!(r("#set($s = 'a.b.c')$s.replace('.', '-') $s.replaceAll('\\.', '') $s.replaceFirst('[.]', '') $s.split('\\.').size() $s.matches('a.*')"), "a-b-c abc ab.c 3 true");
    assert_eq!(r("#set($s = 'x😀y')$s.length() $s.indexOf('y')"), "4 3");
    assert!(matches!(render_err("#set($s = 'abc')$s.substring(5)"), RenderError::Method(_)));
    assert_eq!(r("#set($s = 'abc')$s.substring('1')|$s.nosuch()|"), "||");
}

// Java Map methods.
#[test]
fn map_methods() {
    assert_eq!(
        r("#set($m = {'a': 1})#set($p = $m.put('b', 2))[$p]#set($p = $m.put('a', 3))[$p] $m.get('a') $m.containsKey('b') $m.keySet() $m.values() $m.size() $m.isEmpty()"),
        "[][1] 3 true [a, b] [3, 2] 2 false"
    );
    assert_eq!(r("#set($m = {'a': 1})#set($x = $m.putAll({'c': 3}))#set($x = $m.remove('a'))$x $m#foreach($e in $m.entrySet())$e.key=$e.value $e#end"), "1 {c=3}c=3 c=3");
}

// Java List methods.
#[test]
fn list_methods() {
    assert_eq!(
        r("#set($l = [1, 2])#set($x = $l.add(3))$x $l.get(0) $l.size() $l.contains(2) $l.indexOf(3) $l.isEmpty() $l.remove(0) $l|#set($x = $l.addAll([4]))$l $l.set(0, 9) $l"),
        "true 1 3 true 2 false 1 [2, 3]|[2, 3, 4] 2 [9, 3, 4]"
    );
    assert!(matches!(render_err("#set($l = [1])$l.get(4)"), RenderError::Method(_)));
}

// $input: body ("{}" when empty), json, path (maps Java-style, lists JSON), params.
#[test]
fn input() {
    assert_eq!(rb("$input.body", ""), "{}");
    assert_eq!(r("$input.json('$.a.b[2]') $input.path('$.a.b[2]') $input.path('$.a.b') $input.path('$.nope')|"), r#"{"c":"d"} {c=d} [1,2,{"c":"d"}] |"#);
    assert_eq!(r("$input.path('$.a.b[2].c') $input.path('$.i') $input.path('$.f') $input.json('$.s')"), "d 7 1.5 \"x y\"");
    assert_eq!(r("$input.params('id') $input.params('q') $input.params('x-trace') $input.params('none')|"), "42 last abc |");
    assert_eq!(r("$input.params().path.id $input.params().header"), "42 {X-Trace=abc}");
    assert_eq!(r("$context.stage $stageVariables.name $stageVariables.nope|"), "prod v1 |");
}

// $util as API Gateway documents it.
// The parsed body gives what serde_json::Value gave: same text for $input.json, same Java values
// for $input.path, repeated keys replace in place (small and large objects), each call a copy.
#[test]
fn input_json_tree() {
    let mut big = String::from("{");
    for i in 0..40 {
        big.push_str(&format!("\"k{i}\":{i},"));
    }
    big.push_str("\"k3\":\"again\",\"k39\":[1.0,1e300,-0.0,18446744073709551615,-9223372036854775808,\"\\u00e9\\n\\u0001/\"]}");
    for body in [
        r#"{"a":1,"b":{"x":[true,null,2.50]},"a":"dup","c":"\u2028\"q\""}"#,
        big.as_str(),
        "[1, {\"z\": 3000000000}]",
        "\"just a string\"",
    ] {
        let doc: serde_json::Value = serde_json::from_str(body).unwrap();
        for p in ["$", "$.a", "$.b", "$.b.x", "$.k3", "$.k39", "$.k39[5]", "$..x", "$.*", "$[1].z", "$.length()", "$.b.x.length()", "$.nope"] {
            let path = crate::jsonpath::JsonPath::parse(p).unwrap();
            let want_json = match path.eval(&doc) {
                Some(v) => serde_json::to_string(&v).unwrap(),
                None => String::new(),
            };
            let want_path = match path.eval(&doc) {
                Some(v) => Value::from_json_path_result(&v).to_java_string(),
                None => String::new(),
            };
            let got = rb(&format!("$input.json('{p}')|$input.path('{p}')"), body);
            assert_eq!(got, format!("{want_json}|{want_path}"), "{p} on {body}");
        }
    }
    assert_eq!(
        rb("#set($m = $input.path('$'))#set($x = $m.put('k', 1))$m.k $input.path('$').k|$input.path('$.k3') $m.k3", &big),
        "1 |again again"
    );
    assert_eq!(rb("#set($m = $util.parseJson('{\"a\":1,\"a\":2} trailing'))$m", ""), "{a=2}");
}

// urlEncode is form_urlencoded's byte_serialize (Java URLEncoder), for every character class.
#[test]
fn url_encode_like_form_urlencoded() {
    let mut all: String = (0u8..0x80).map(char::from).collect();
    all.push_str("é€😀 ~!'()");
    assert_eq!(methods::url_encode(&all), form_urlencoded::byte_serialize(all.as_bytes()).collect::<String>());
}

// urlEncode's runs copied whole and escapeJavaScript's give what escaping one byte (one UTF-16
// unit) at a time gives, on every ASCII character and on mixed runs of all character classes.
#[test]
fn encoders_match_unit_by_unit_versions() {
    fn js_unit_by_unit(s: &str) -> String {
        let mut out = String::new();
        for u in s.encode_utf16() {
            match u {
                0x08 => out.push_str("\\b"),
                0x0A => out.push_str("\\n"),
                0x09 => out.push_str("\\t"),
                0x0C => out.push_str("\\f"),
                0x0D => out.push_str("\\r"),
                0x27 | 0x22 | 0x5C | 0x2F => {
                    out.push('\\');
                    out.push(char::from(u as u8));
                }
                0..=0x1F | 0x80.. => out.push_str(&format!("\\u{u:04X}")),
                _ => out.push(char::from(u as u8)),
            }
        }
        out
    }
    let pieces = ["", "abc", "A-Z_0.9*", " ", "'\"\\/", "\u{7f}", "\u{1}\n\t", "é", "€", "😀", "~!()", "plain text"];
    let mut cases: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
    for a in pieces {
        for b in pieces {
            for c in pieces {
                cases.push(format!("{a}{b}{c}"));
            }
        }
    }
    for s in &cases {
        assert_eq!(methods::escape_javascript(s), js_unit_by_unit(s), "{s:?}");
        assert_eq!(methods::url_encode(s), form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>(), "{s:?}");
    }
}

// Many variables (past the scanned list) and loop variables restored after nested loops.
#[test]
fn many_variables() {
    let mut t = String::new();
    for i in 0..40 {
        t.push_str(&format!("#set($v{i} = {i})"));
    }
    t.push_str("#set($i = 'outer')#foreach($i in [1, 2])#foreach($j in ['a'])#set($w = \"$i$j\")#end#end");
    t.push_str("$v0 $v17 $v39 $w $i $!j $!velocityCount $!foreach|");
    for i in (0..40).rev() {
        t.push_str(&format!("$v{i},"));
    }
    let want: String = (0..40).rev().map(|i| format!("{i},")).collect();
    assert_eq!(r(&t), format!("0 17 39 2a outer   |{want}"));
}

#[test]
fn util() {
    assert_eq!(r(r#"$util.escapeJavaScript('it''s "q" / é')"#), r#"it\'s \"q\" \/ \u00E9"#);
    assert_eq!(r("$util.urlEncode('a b:{\"some\": \"value\"}') $util.urlDecode('a+b%3A%C3%A9')"), "a+b%3A%7B%22some%22%3A+%22value%22%7D a b:é");
    assert_eq!(r("$util.base64Encode('hé') $util.base64Decode('aMOp')"), "aMOp hé");
    assert_eq!(r("#set($j = $util.parseJson('{\"a\": [1, 2.5, \"x\"], \"b\": null}'))$j $j.a[0] $j.a.get(1)"), "{a=[1, 2.5, x], b=null} 1 2.5");
    assert!(matches!(render_err("$util.parseJson('{')"), RenderError::Method(_)));
    assert!(matches!(render_err("$util.urlDecode('%zz')"), RenderError::Method(_)));
}

// Errors carry line, column, the source line and a caret.
#[test]
fn error_display() {
    let e = Template::compile("ok\n#if($a\nmore").unwrap_err();
    assert_eq!(e.line(), 3);
    let shown = e.to_string();
    assert!(shown.starts_with("line 3, column 1: "), "{shown}");
    assert!(shown.contains("\nmore\n^"), "{shown}");
    assert!(shown.ends_with('^'), "{shown}");
    for bad in ["#if(true)x", "#end", "#set($a = )", "$a[", "${a", "#foreach($i [1])#end", "#set($a = 'x)", "#else"] {
        assert!(Template::compile(bad).is_err(), "{bad}");
    }
}

// uses_body is true exactly when the body may be read.
#[test]
fn uses_body() {
    for (t, want) in [
        ("$input.body", true),
        ("$input.json('$')", true),
        ("#set($x = $input.path('$.a'))", true),
        ("#set($i = $input)", true),
        ("$input.params('id') $context.stage", false),
        ("plain", false),
    ] {
        assert_eq!(Template::compile(t).unwrap().uses_body(), want, "{t}");
    }
}

// The request template's $context writes are seen by the response template (same Env).
#[test]
fn env_is_shared_between_templates() {
    let mut e = env("{\"x\":1}");
    Template::compile("#set($context.requestOverride.path.body = $input.body)#set($context.responseOverride.status = 444)")
        .unwrap()
        .render(&mut e)
        .unwrap();
    let out = Template::compile("$context.requestOverride.path.body").unwrap().render(&mut e).unwrap();
    assert_eq!(out, "{\"x\":1}");
    assert_eq!(e.context.get_path(&["responseOverride", "status"]).unwrap().to_java_string(), "444");
}

// ---- limits: each named constant is hit ----

#[test]
fn limit_template_size() {
    let big = "a".repeat(MAX_TEMPLATE_BYTES + 1);
    let e = Template::compile(&big).unwrap_err();
    assert!(e.to_string().contains("MAX_TEMPLATE_BYTES"));
    assert!(Template::compile(&"a".repeat(MAX_TEMPLATE_BYTES)).is_ok());
}

#[test]
fn limit_parser_nesting() {
    let deep = "#if(true)".repeat(MAX_NESTING_DEPTH + 1) + &"#end".repeat(MAX_NESTING_DEPTH + 1);
    assert!(Template::compile(&deep).unwrap_err().to_string().contains("MAX_NESTING_DEPTH"));
    let parens = format!("#set($a = {}1{})", "(".repeat(500), ")".repeat(500));
    assert!(Template::compile(&parens).is_err());
    let nots = format!("#if({}true)#end", "!".repeat(10_000));
    assert!(Template::compile(&nots).is_err());
    let lists = format!("#set($a = {}{})", "[".repeat(500), "]".repeat(500));
    assert!(Template::compile(&lists).is_err());
    let strings = (0..100).fold(String::from("$a"), |s, _| format!("\"#set($b = {s})\""));
    assert!(Template::compile(&format!("#set($x = {strings})")).is_err());
}

#[test]
fn limit_render_nesting() {
    // Each #define prints the next: the chain is deeper than MAX_NESTING_DEPTH.
    let mut t = String::new();
    for i in 0..(MAX_NESTING_DEPTH + 5) {
        t.push_str(&format!("#define($d{i})$d{}#end", i + 1));
    }
    t.push_str("$d0");
    assert_eq!(render_err(&t), RenderError::Limit("MAX_NESTING_DEPTH"));
}

#[test]
fn limit_foreach_iterations() {
    let t = "#foreach($i in [1..1000])#foreach($j in [1..1000])#end#end";
    assert_eq!(render_err(t), RenderError::Limit("MAX_FOREACH_ITERATIONS"));
}

#[test]
fn limit_output_size() {
    let t = "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')#foreach($i in [1..100000])$s$s#end";
    assert_eq!(render_err(t), RenderError::Limit("MAX_OUTPUT_BYTES"));
    // Doubling a string in a loop hits the same limit long before memory runs out.
    let t = "#set($s = 'ab')#foreach($i in [1..64])#set($s = \"$s$s\")#end";
    assert_eq!(render_err(t), RenderError::Limit("MAX_OUTPUT_BYTES"));
}

#[test]
fn limit_collection_len() {
    assert_eq!(render_err("#set($l = [1..2000000])"), RenderError::Limit("MAX_COLLECTION_LEN"));
    let t = "#set($l = [1..1000])#foreach($i in [1..20])#set($x = $l.addAll($l))#end";
    assert_eq!(render_err(t), RenderError::Limit("MAX_COLLECTION_LEN"));
}

#[test]
fn limit_steps() {
    // Within the iteration limit, but each iteration copies a large list.
    let t = "#set($l = [1..20000])#foreach($i in [1..5000])#set($m = [])#set($x = $m.addAll($l))#end";
    assert_eq!(render_err(t), RenderError::Limit("MAX_STEPS"));
}
