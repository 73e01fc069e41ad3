// The Node.js function of tests/e2e/sam/full/template.yaml: a CommonJS callback-style handler.
exports.handler = (event, context, callback) => {
  const body = JSON.parse(event.body || '{}');
  callback(null, {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', 'X-Function': context.functionName },
    body: JSON.stringify({ greeting: process.env.GREETING, echo: body, method: event.httpMethod }),
  });
};
