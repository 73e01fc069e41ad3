"""A real ASGI application (Starlette) behind Mangum, the adapter Python web apps use on Lambda."""

import base64

from mangum import Mangum
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


async def item(request: Request):
    return JSONResponse({"id": request.path_params["item_id"], "tags": request.query_params.getlist("tag"),
                         "path": request.url.path})


async def cookies(request: Request):
    r = JSONResponse({"cookies": dict(request.cookies)})
    r.set_cookie("session", "abc")
    r.set_cookie("theme", "dark")
    return r


async def echo(request: Request):
    return JSONResponse({"received": await request.json(), "content_type": request.headers.get("content-type")},
                        status_code=201)


async def image(request: Request):
    return Response(PNG, media_type="image/png")


app = Starlette(routes=[
    Route("/items/{item_id}", item),
    Route("/cookies", cookies),
    Route("/echo", echo, methods=["POST"]),
    Route("/image", image),
])

handler = Mangum(app, lifespan="off", api_gateway_base_path="/")
