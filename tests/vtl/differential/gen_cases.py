#!/usr/bin/env python3
"""Generates cases.json for the VTL differential suite (Rust engine vs Apache Velocity 1.7 set up
as API Gateway runs it). Sources: the API definitions in tests/real-apis, AWS documentation
examples (DynamoDB, SQS, Kinesis, S3, Step Functions, SNS), hand-written edge cases of every
construct, and generated operator/method/whitespace combinations. Re-run after editing:
    python3 tests/vtl/differential/gen_cases.py
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []

def add(cid, template, body="", path=None, qs=None, hdr=None, sv=None):
    c = {"id": cid, "template": template, "body": body}
    if path: c["path"] = path
    if qs: c["querystring"] = qs
    if hdr: c["header"] = hdr
    if sv: c["stageVariables"] = sv
    cases.append(c)

DDB_ITEM = json.dumps({"Item": {"id": {"S": "r1"}, "description": {"S": "Call \"mom\""}, "datetime": {"S": "2024-01-01T10:00"}, "email": {"S": "a@b.c"}, "url": {"S": "https://x.y/z?q=1"}}})
DDB_ITEMS = json.dumps({"Count": 2, "Items": [{"id": {"S": "1"}, "description": {"S": "one"}, "url": {"S": "u1"}}, {"id": {"S": "2"}, "description": {"S": "two"}, "url": {"S": "u2"}}]})
DDB_ATTRS = json.dumps({"Attributes": {"id": {"S": "a1"}, "description": {"S": "d"}, "datetime": {"S": "t"}, "email": {"S": "e"}, "url": {"S": "u"}, "timestamp": {"S": "ts"}, "owner": {"S": "o"}}})
GENERIC = json.dumps({"name": "Ann", "age": 42, "score": 9.5, "tags": ["a", "b"], "nested": {"k": "v", "list": [1, 2, 3]}, "nothing": None, "flag": True, "PhoneNumber": "+15550100", "Message": "hi there & bye", "output": "{\"ok\":true}", "error": "boom"})
BODIES = [("ddbitem", DDB_ITEM), ("ddbitems", DDB_ITEMS), ("ddbattrs", DDB_ATTRS), ("generic", GENERIC), ("empty", "")]

# ---- A: templates from real API definitions ----
def walk(o, found):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("requestTemplates", "responseTemplates") and isinstance(v, dict):
                found.extend(t for t in v.values() if isinstance(t, str))
            else:
                walk(v, found)
    elif isinstance(o, list):
        for v in o:
            walk(v, found)

real = []
try:
    import yaml
except ImportError:
    yaml = None
for f in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "real-apis", "*"))):
    try:
        if f.endswith(".json"):
            d = json.load(open(f))
        elif yaml and f.endswith((".yaml", ".yml")):
            d = yaml.safe_load(open(f))
        else:
            continue
    except Exception:
        continue
    walk(d, real)
seen = set()
n = 0
for t in real:
    if t in seen:
        continue
    seen.add(t)
    for bname, body in BODIES:
        add(f"real#{n}-{bname}", t, body, path={"petId": "7", "streamName": "s1", "eventId": "e9", "locationID": "l1"},
            sv={"env": "dev"})
    n += 1

# ---- B: AWS documentation examples ----
DOCS = {
    "sqs-sendmessage": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
    "sqs-attrs": "Action=SendMessage##\n&MessageBody=$util.urlEncode($input.json('$.Message'))##\n&MessageAttribute.1.Name=name##\n&MessageAttribute.1.Value.StringValue=$util.urlEncode($input.path('$.name'))##\n&MessageAttribute.1.Value.DataType=String",
    "kinesis-putrecord": "{\n    \"StreamName\": \"$input.params('stream-name')\",\n    \"Data\": \"$util.base64Encode($input.json('$.Data'))\",\n    \"PartitionKey\": \"$input.path('$.PartitionKey')\"\n}",
    "kinesis-putrecords": "{\n  \"StreamName\": \"s\",\n  \"Records\": [\n    #foreach($elem in $input.path('$.records'))\n    {\n      \"Data\": \"$util.base64Encode($elem.data)\",\n      \"PartitionKey\": \"$elem.partition-key\"\n    }#if($foreach.hasNext),#end\n    #end\n  ]\n}",
    "ddb-putitem": "{\n    \"TableName\": \"Comments\",\n    \"Item\": {\n\t\"commentId\": {\n            \"S\": \"$context.requestId\"\n            },\n        \"pageId\": {\n            \"S\": \"$input.path('$.pageId')\"\n        },\n        \"userName\": {\n            \"S\": \"$input.path('$.userName')\"\n        },\n        \"message\": {\n            \"S\": \"$input.path('$.message')\"\n        }\n    }\n}",
    "ddb-query-response": "#set($inputRoot = $input.path('$'))\n{\n    \"comments\": [\n        #foreach($elem in $inputRoot.Items) {\n            \"commentId\": \"$elem.commentId.S\",\n            \"userName\": \"$elem.userName.S\",\n            \"message\": \"$elem.message.S\"\n        }#if($foreach.hasNext),#end\n\t#end\n    ]\n}",
    "sfn-startexecution": "#set($input = $input.json('$'))\n{\n   \"input\": \"$util.escapeJavaScript($input)\",\n   \"stateMachineArn\": \"arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld\"\n}",
    "passthrough": "##  See https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html\n#set($allParams = $input.params())\n{\n\"body-json\" : $input.json('$'),\n\"params\" : {\n#foreach($type in $allParams.keySet())\n    #set($params = $allParams.get($type))\n\"$type\" : {\n    #foreach($paramName in $params.keySet())\n    \"$paramName\" : \"$util.escapeJavaScript($params.get($paramName))\"\n        #if($foreach.hasNext),#end\n    #end\n}\n    #if($foreach.hasNext),#end\n#end\n},\n\"stage-variables\" : {\n#foreach($key in $stageVariables.keySet())\n\"$key\" : \"$util.escapeJavaScript($stageVariables.get($key))\"\n    #if($foreach.hasNext),#end\n#end\n},\n\"context\" : {\n    \"http-method\" : \"$context.httpMethod\",\n    \"request-id\" : \"$context.requestId\",\n    \"resource-path\" : \"$context.resourcePath\",\n    \"stage\" : \"$context.stage\"\n    }\n}\n",
    "photos-example": "#set($inputRoot = $input.path('$'))\n{\n  \"photos\": {\n    \"page\": $inputRoot.photos.page,\n    \"photo\": [\n#foreach($elem in $inputRoot.photos.photo)\n      {\n        \"id\": \"$elem.id\",\n        \"title\": \"$elem.title\"\n      }#if($foreach.hasNext),#end\n\n#end\n    ]\n  }\n}",
    "s3-put": "$input.body",
    "sns-publish": "Action=Publish&TopicArn=$util.urlEncode('arn:aws:sns:us-east-1:1:t')&Message=$util.urlEncode($input.body)",
    "override-status": "#set($inputRoot = $input.path('$'))\n$input.json(\"$\")\n#if($inputRoot.toString().contains(\"error\"))\n#set($context.responseOverride.status = 400)\n#set($context.responseOverride.header.X-Reason = \"bad\")\n#end\nstatus=$context.responseOverride.status",
    "params-loop": "#foreach($p in $input.params().querystring.keySet())$p=$util.urlEncode($input.params().querystring.get($p))#if($foreach.hasNext)&#end#end",
    "json-array-items": "#set($items = $input.path('$.photos.photo'))$items.size() $items[0].title $items",
    "parse-json-body": "#set($b = $util.parseJson($input.body))$b.photos.page $b.photos.photo.get(1).id $b",
}
PHOTOS = json.dumps({"photos": {"page": 1, "pages": "1234", "photo": [{"id": "12345678901", "title": "Example"}, {"id": "23456789012", "title": "Another \"quoted\" title"}]}, "records": [{"data": "some data", "partition-key": "pk1"}, {"data": "more", "partition-key": "pk2"}], "Data": {"x": 1}, "PartitionKey": "p", "pageId": "breaking-news-story-01-18-2016", "userName": "Bob", "message": "I love \u00fcnicode & stuff", "Message": "hi", "name": "N a"})
for k, t in DOCS.items():
    add(f"docs#{k}", t, PHOTOS, qs={"a": "1", "b": "x y"}, hdr={"Accept": "application/json"}, sv={"stage": "beta"})
    add(f"docs#{k}-generic", t, GENERIC)

# ---- C: edge cases of every construct ----
EDGE = [
    # references
    "$a", "${a}", "$!a", "$!{a}", "$a.b.c", "${a.b}", "$a-b", "$a-1", "$_x", "$1a", "$ a", "$", "$$", "$$a", "#$a",
    "$!", "$!!a", "a$!-b", "${ x", "$a.", "$a.1", "$a..b", "$.x", "$[0]", "$a()", "$a.b()", "x$a.toString()y",
    "#set($a = 'v')$a.length()|$a.length|$a.empty|$a.bytes.size()|", "#set($a = 'v')${a}x|$ax|${a}.x",
    "#set($m = {'a': {'b': 'c'}})$m.a.b|$m['a']['b']|$m.a['b']|$m.get('a').get('b')|$m.x.y|",
    "#set($l = [[1, 2], [3]])$l[0][1]|$l[1].get(0)|$l.get(0)[0]|$l[-1]|",
    "#set($l = [1])$l[1]", "#set($l = [1])$l.get(-1)", "#set($s = 'abc')$s[0]|", "#set($i = 1)#set($l = ['a','b'])$l[$i]|$l[ $i ]",
    # escapes
    "\\$a", "\\\\$a", "\\\\\\$a", "#set($a = 1)\\$a|\\\\$a|\\\\\\$a|\\$b|\\\\$b", "\\#if(true)x\\#end", "\\\\#if(true)x#end",
    "\\\\\\#if", "\\#foreach", "\\#foo", "\\\\#foo", "a\\b\\\\c", "\\", "\\\\", "\\#{if}", "\\#set($a = 1)", "\\\\#set($a = 1)x$a",
    "\\$!a", "\\${a}", "#set($a = 1)\\$!{a}",
    # comments / blocks
    "a##b\nc", "a##b", "a#*b*#c", "a#**b*#c", "a#* b", "#[[#if $a]]#", "x#[[y", "##\n##\n", "a#*x*#\nb", "#if(true)##c\nx#end",
    # set
    "#set($a = 1)$a", "#set( $a = 1 )$a", "#set ($a = 1)$a", "#{set}($a = 1)$a", "#set($a=1)$a", "#set($a = $b)$a|", "#set($a = 1)#set($a = $b)$a|",
    "#set($a = 'x')#set($a = $a + 'y')$a", "#set($m = {})#set($m.k = 'v')$m", "#set($m = {})#set($m['k'] = 'v')$m", "#set($m = {})#set($m[1] = 'v')$m $m.get(1)",
    "#set($a.b = 1)$a|", "#set($s = 'x')#set($s.b = 1)$s", "#set($l = [1,2])#set($l[1] = 'x')$l", "#set($l = [1,2])#set($l[-1] = 'x')$l",
    "#set($m = {'a': {}})#set($m.a.b = 1)$m", "#set($m = {})#set($m.a.b = 1)$m", "#set $a = 1", "#set($a = 1) $a", "#set($a = 1)  \n$a",
    # literals
    "#set($a = \"x\")$a", "#set($a = 'x''y')$a", "#set($a = \"x\"\"y\")$a", "#set($a = \"\\n\\t\")$a", "#set($a = \"\\u00e9\")$a", "#set($a = '\\u00e9')$a",
    "#set($n = 1)#set($a = \"n=$n\")$a", "#set($n = 1)#set($a = 'n=$n')$a", "#set($a = \"$nope\")[$a]", "#set($a = \"#if(true)y#end\")$a",
    "#set($a = \"a##b\")$a|", "#set($a = \"x$\")$a|", "#set($a = \"x#\")$a|", "#set($a = \"#set($q = 5)\")$a$q",
    "#set($a = 0)$a", "#set($a = -0)$a", "#set($a = 007)$a", "#set($a = 2147483648)$a", "#set($a = -2147483649)$a", "#set($a = 1.0)$a", "#set($a = 1.)$a",
    "#set($a = -.5)$a", "#set($a = 1e2)$a", "#set($a = 1E-5)$a", "#set($a = 123456789.0)$a", "#set($a = 0.001)$a", "#set($a = 0.0001)$a",
    "#set($a = [])$a", "#set($a = [1,2,3])$a", "#set($a = [ 1 , 'b' , true ])$a", "#set($a = {})$a", "#set($a = {'a':1,'b':'c'})$a", "#set($a = {1: 2})$a $a.get(1)",
    "#set($a = [1..3])$a", "#set($a = [3..1])$a", "#set($a = [0..0])$a", "#set($n = 3)#set($a = [1..$n])$a", "#set($a = [-2..2])$a", "#set($n = 'x')#set($a = [1..$n])[$a]",
    "#set($a = true)$a", "#set($a = false)$a", "#set($a = {'k': [1, {'j': true}]})$a",
    # arithmetic
    "#set($a = 1 + 2)$a", "#set($a = 7 / 2)$a", "#set($a = -7 / 2)$a", "#set($a = 7 % -3)$a", "#set($a = 7.5 % 2)$a", "#set($a = 1 / 3.0)$a", "#set($a = 2 * 3.5)$a",
    "#set($a = 2147483647 + 1)$a", "#set($a = -2147483648 - 1)$a", "#set($a = 65536 * 65536)$a", "#set($a = 9223372036854775807 + 0)$a",
    "#set($a = 1 - 'x')[$a]", "#set($a = 'x' + 1 + 2)$a", "#set($a = 1 + 2 + 'x')$a", "#set($a = 'x' + true)$a", "#set($a = 'x' + [1])$a", "#set($a = 1 + $nope)$a",
    "#set($a = (1 + 2) * 3)$a", "#set($a = 1 + 2 * 3)$a", "#set($a = 10 - 2 - 3)$a", "#set($a = 100 / 10 / 5)$a", "#set($a = 0.1 + 0.2)$a", "#set($a = 1.0 / 0)[$a]",
    "#set($a = 5)#set($a = 1 / 0)$a", "#set($a = 3)#set($b = $a * $a)$b",
    # conditions
    "#if($nope)y#else n#end", "#if(!$nope)y#else n#end", "#if($nope == '')y#end", "#if($nope == $nope2)y#end", "#if('' == $nope)y#end",
    "#if(true)y#end", "#if(false)y#else n#end", "#if('x')y#else n#end", "#if(0)y#else n#end", "#if([])y#else n#end", "#if({})y#else n#end",
    "#if(1 == 1)y#end", "#if(1 == 1.0)y#end", "#if(1 == '1')y#end", "#if('a' == 'a')y#end", "#if('a' != 'b')y#end", "#if(true == 'true')y#end",
    "#if([1,2] == [1,2])y#else n#end", "#if({'a':1} == {'a':1})y#else n#end", "#if('a' < 'b')y#else n#end", "#if(2 > 1.5)y#end", "#if(1 < $nope)y#else n#end",
    "#if(1 lt 2 and 2 gt 1 or false)y#end", "#if(not true)y#else n#end", "#if(!false && !false)y#end", "#if(true || $x.foo())y#end",
    "#if(1 eq 1)y#end#if(1 ne 1)n#end#if(1 le 1)y#end#if(1 ge 2)n#end", "#if(false)a#elseif(false)b#elseif(true)c#else d#end",
    "#if ($a)x#end", "#if( $a )x#end", "#if(\n$a\n)x#end", "#{if}(true)y#{else}n#{end}", "#if(true)y#{end}z", "#set($b = !$nope)$b", "#set($b = !'x')$b",
    "#set($v = $input.path('$.nothing'))#if($v)t#else f#end|$v|", "#if($input.path('$.flag'))t#end", "#if($input.path('$.none'))t#end",
    # foreach
    "#foreach($i in [1,2,3])$i#end", "#foreach($i in [])x#end", "#foreach($i in $nope)x#end", "#foreach($i in 'abc')x#end", "#foreach($i in 5)x#end",
    "#foreach($i in {'a':1,'b':2})$i#end", "#foreach($k in {'a':1,'b':2}.keySet())$k#end", "#foreach($i in [1..3])$velocityCount:$velocityHasNext,#end",
    "#foreach($i in [1,2])$foreach.index$foreach.count$foreach.hasNext$foreach.first$foreach.last|#end",
    "#foreach($i in [1,2])#foreach($j in ['a','b'])$i$j$foreach.parent.index$foreach.index,#end#end", "#foreach($i in [1,2])#end$i|$velocityCount|$foreach|",
    "#set($i = 'o')#foreach($i in [1])$i#end$i", "#foreach($i in [1..5])$i#if($i > 2)#break#end#end", "#foreach($i in [1,2])#foreach($j in [1,2])$j#break#end$i#end",
    "#foreach($i in [1,2])#foreach($j in [1,2])$j#break($foreach.parent)#end$i#end", "#foreach($i in [1,2,3])$i$foreach.stop()#end",
    "#foreach( $i in [1,2] )\n$i\n#end\n", "#foreach($i in [1,2])\n  $i\n#end", "#foreach($i in [null, 1])[$i]#end", "#foreach($x in $input.path('$.tags'))$x#end",
    "#foreach($x in $input.path('$.nested'))$x;#end", "#foreach($i in [1..3])#set($s = \"$!s$i\")#end$s", "#foreach($i, in [1])x#end", "#foreach($i in [1] )x#end",
    # define / stop / break / macro / evaluate / others
    "#define($d)D#end$d$d", "#define($d)$foreach.index#end#foreach($i in [1,2])$d#end", "#define($d)[$x]#end#set($x=1)$d#set($x=2)$d", "#define($d)$d#end$d",
    "#define($d)x#end#if($d)y#end", "#define($d)x#end#set($e = \"$d$d\")$e", "a#stop b", "#foreach($i in [1,2])$i#stop#end after", "a#break b", "#stop", "#stop()",
    "#macro(m)x#end#m()", "#macro(m $a)x#end#m(1 2)", "#macro( m )\nx\n#end\n#m()\n", "#evaluate('x')", "#evaluate($a)\n", "#foo", "#foo()", "#foo( 1, 'a' )", "#foo(\n)\nx",
    "#{foo}", "#@foo()x#end", "#13", "#if(true)#13#end", "a#b", "#", "##", "#*", "x#[", "#end", "#else", "#foo bar", "#123abc", "#-1",
    # whitespace of directive lines
    "#set($a = 1)\nx", "  #set($a = 1)\nx", "x\n  #set($a = 1)\nx", "#set($a = 1)\n  #set($b = 2)\nx", "\t#set($a = 1)\t\nx", "#set($a = 1) \t \nx",
    "#set($a = 1)\r\nx", "#set($a = 1)\rx", "#if(true)\r\nx\r\n#end\r\ny", "#if(true)  \nx#else  \ny#end  \nz", "#if(false)\nx\n#elseif(true)\ny\n#end\n",
    "a #if(true) b #end c", "a\n#if(true)\nb\n#end\nc", "  #if(true)\n  b\n  #end\n  c", "#foreach($i in [1,2])\n  #set($x = $i)\n  $x\n#end\n",
    "$a #set($b = 1)$b", "x #set($b = 1)$b", "x  #set($b = 1)$b", "#if(true) #set($b = 1)$b#end", "#set($a = 1)## c\n$a", "#set($a = 1)#* c *#  #set($b = 2)$b",
    "#{set}($a = 1)\nx", "#set( $a = 1 )   x", "#end\n", "#if(true)\n#end\n#if(true)\n#end\n",
    # Java methods: String
    "#set($s = 'Hello')$s.length()|$s.charAt(1)|$s.substring(1)|$s.substring(1,3)|$s.indexOf('l')|$s.indexOf('l', 3)|$s.lastIndexOf('l')|$s.indexOf('z')",
    "#set($s = ' a b ')[$s.trim()]|$s.isEmpty()|$s.contains(' ')|$s.startsWith(' a')|$s.endsWith('b ')|$s.toUpperCase()|$s.replace(' ', '_')",
    "#set($s = 'a,b,,c,,')$s.split(',')|$s.split(',').size()|$s.split(',', -1).size()|$s.split(',', 2)[1]", "#set($s = 'a1b22c')$s.replaceAll('[0-9]+', '#')|$s.replaceFirst('\\d', 'X')|$s.matches('[a-c0-9]+')|$s.matches('a')",
    "#set($s = 'a.b')$s.replaceAll('(a)\\.(b)', '$2.$1')", "#set($s = 'x')$s.replaceAll('x', '\\$')", "#set($s = 'x')$s.concat('y')|$s.equals('x')|$s.equalsIgnoreCase('X')|$s.compareTo('y')|$s.hashCode()",
    "#set($s = 'abc')$s.substring(4)", "#set($s = 'abc')$s.charAt(3)", "#set($s = 'abc')$s.substring(2, 1)", "#set($s = 'Grüße 😀')$s.length()|$s.toUpperCase()|$s.indexOf('😀')|$s.substring(6)",
    "#set($s = 'abc')$s.nope()|$s.substring('a')|$s.substring(1.0)|", "#set($s = '')$s.isEmpty()|$s.length()|$s.split(',').size()", "#set($s = 'aaa')$s.replace('a', '')|$s.replace('', '-')",
    "#set($s = 'x')$s.toString()|$s.class|", "#set($s = '5')#set($n = 0)$n.parseInt($s)|$n.valueOf('7')", "#set($n = 0)$n.parseInt('x')",
    # Map / List
    "#set($m = {'a': 1})$m.put('b', 2)|$m.put('a', 3)|$m|$m.get('a')|$m.get('z')|$m.containsKey('a')|$m.containsValue(2)|$m.size()|$m.isEmpty()",
    "#set($m = {'a': 1, 'b': 2})$m.keySet()|$m.values()|$m.entrySet()|$m.remove('a')|$m|$m.remove('z')|", "#set($m = {'a': 1})#foreach($e in $m.entrySet())$e.key=$e.value;$e.getKey()#end",
    "#set($m = {'a': 1})$m.putAll({'b': 2, 'a': 0})|$m", "#set($m = {})$m.isEmpty()|$m.size()|$m.a|$m.empty|$m.class", "#set($m = {'a': 1})#set($x = $m.clear())$m|$x|",
    "#set($l = [1, 2])$l.add(3)|$l.add(0, 0)|$l|$l.get(0)|$l.size()|$l.contains(2)|$l.contains('2')|$l.indexOf(2)|$l.isEmpty()|$l.empty",
    "#set($l = [1, 2, 3])$l.remove(0)|$l|$l.remove('x')|$l.set(0, 'z')|$l|$l.addAll([4, 5])|$l|$l.subList(1, 2)", "#set($l = [1])$l.get(1)", "#set($l = [1])$l.set(2, 0)",
    "#set($l = ['b', 'a'])$l.toString()|$l.equals(['b', 'a'])|$l.lastIndexOf('a')", "#set($l = [1])#set($l2 = $l)#set($x = $l2.add(2))$l", "#set($l = [1])$l.add($l)",
    "#set($m = {})$m.put('self', $m)$m", "#set($n = 5)$n.toString()|$n.intValue()|$n.doubleValue()|$n.longValue()|$n.equals(5)|$n.compareTo(3)", "#set($d = 2.5)$d.intValue()|$d.isNaN()",
    "#set($b = true)$b.toString()|$b.booleanValue()|$b.equals(true)",
    # $util
    "$util.escapeJavaScript(\"a'b\\\"c/d\\\\e\")", "$util.escapeJavaScript('tab\tnl\nü€😀')", "$util.urlEncode('a b&c=d/é~*')", "$util.urlDecode('a+b%20c%C3%A9')", "$util.urlEncode($nope)|",
    "$util.base64Encode('hello wörld')", "$util.base64Decode('aGVsbG8gd8O2cmxk')", "$util.base64Decode('aGk')", "#set($j = $util.parseJson('[1, 2.0, \"x\", null, true, {\"a\": []}]'))$j|$j.size()|$j[5].a",
    "#set($j = $util.parseJson('123'))$j|#set($j = $util.parseJson('\"s\"'))$j|#set($j = $util.parseJson('12345678901'))$j", "$util.parseJson('{bad')", "$util.parseJson($input.body).name",
    "$util.escapeJavaScript($input.json('$'))", "$util.urlEncode($input.body)", "$util.nope('x')|", "$util.urlEncode(5)|",
    # $input
    "$input.body", "$input.json('$')", "$input.json('$.name')", "$input.json('$.nested')", "$input.json('$.tags')", "$input.json('$.missing')|", "$input.json('$.nothing')",
    "$input.path('$')", "$input.path('$.name')", "$input.path('$.nested')", "$input.path('$.tags')", "$input.path('$.tags[0]')", "$input.path('$.missing')|", "$input.path('$.nothing')|",
    "$input.path('$.age')|$input.path('$.score')|$input.path('$.flag')", "$input.path('$.nested.list').size()|$input.path('$.nested.list')[1]|$input.path('$.nested').k",
    "$input.params('petId')|$input.params('q')|$input.params('Accept')|$input.params('none')|", "$input.params()", "$input.params().path|$input.params().querystring.q",
    "$context.stage|$context.requestId|$context.httpMethod|$context.nope|$context.requestOverride.path.body", "$stageVariables|$stageVariables.env|$stageVariables.nope|",
    "#set($context.responseOverride.status = 201)#set($context.responseOverride.header.X = 'y')$context.responseOverride",
    "#set($context.requestOverride.querystring['k'] = 'v')$context.requestOverride.querystring", "$context[\"requestOverride\"].querystring",
]
for i, t in enumerate(EDGE):
    add(f"edge#{i}", t, GENERIC, path={"petId": "7"}, qs={"q": "search term"}, hdr={"Accept": "application/json"}, sv={"env": "dev"})

# ---- D: generated operator and method combinations ----
OPERANDS = ["1", "-3", "2147483647", "2.5", "0", "'a'", "'1'", "true", "$nope", "[1]"]
OPS = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"]
for op in OPS:
    for a in OPERANDS:
        for b in OPERANDS:
            add(f"op#{a}{op}{b}", f"#set($r = 'unset')#set($r = {a} {op} {b})$r|#if({a} {op} {b})T#else F#end")
STRINGS = ["''", "'a'", "' a,b '", "'héllo'", "'abcabc'"]
METHODS = ["length()", "trim()", "toUpperCase()", "substring(1)", "indexOf('a')", "lastIndexOf('a')", "replace('a','b')", "split(',')",
           "matches('a.*')", "isEmpty()", "charAt(0)", "contains('a')", "startsWith('a')", "replaceAll('a|b', 'x')", "split('a', -1)"]
for s in STRINGS:
    for m in METHODS:
        add(f"str#{s}.{m}", f"#set($s = {s})$s.{m}|")

json.dump(cases, open(os.path.join(HERE, "cases.json"), "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
