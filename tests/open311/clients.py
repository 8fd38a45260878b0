#!/usr/bin/env python3
"""Drive Zhili's Open311 interface with an existing Open311 client library from PyPI, used as
its documentation says: `georeport` 0.3.1 (a GeoReport v2 wrapper: services, service
definitions, requests with filters, one request; JSON and XML). `georeport` cannot post, and the
PyPI clients that can (`three` 0.8.0, `open311` 1.1) are Python 2 only and no longer import; the
POST is therefore made with `requests`, form-encoded exactly as the spec describes.

    python3 -m venv /tmp/o311 && /tmp/o311/bin/pip install georeport==0.3.1
    zhili demo --addr 127.0.0.1:8080 &            # or any running Zhili
    zhili apikey add --name "open311 client"      # prints the key (no --source)
    /tmp/o311/bin/python tests/open311/clients.py http://127.0.0.1:8080 zk_…

Nothing is downloaded here; the script talks only to the server given.
"""
import sys

from georeport import GeoReport
import requests


def check(ok, what):
    if not ok:
        sys.exit(f"FAIL: {what}")
    print(f"ok: {what}")


def main(base, key):
    root = base.rstrip("/") + "/open311/v2"
    for fmt in ("json", "xml"):
        g = GeoReport(root, output_format=fmt)
        services = g.get_service_list()
        codes = [s["service_code"] for s in services]
        check("municipal.streetlight" in codes and "neighbour" not in codes,
              f"georeport ({fmt}) lists {len(codes)} services, no dispute category")
        d = g.get_service_definition("municipal.streetlight")
        attrs = d["attributes"] if fmt == "json" else d["attributes"]["attribute"]
        check(any(a["code"] == "fault" for a in attrs), f"georeport ({fmt}) reads a service definition")

    form = {"api_key": key, "service_code": "municipal.streetlight", "lat": "37.5390", "long": "121.3910",
            "address_string": "幸福路 12 号对面", "first_name": "小明", "last_name": "王", "phone": "13812345678",
            "description": "路灯不亮，夜间行人不便", "attribute[fault]": "dark"}
    resp = requests.post(root + "/requests.json", data=form, timeout=30)
    answer = resp.json()
    check(resp.status_code == 200 and answer[0].get("service_request_id"), f"a form-encoded POST: {answer}")
    rid, token = answer[0]["service_request_id"], answer[0]["token"]
    denied = requests.post(root + "/requests.xml", data={**form, "api_key": ""}, timeout=30)
    check(denied.status_code == 403 and "<errors><error><code>403</code>" in denied.text, "no key: 403 with the spec's body")
    tk = requests.get(f"{root}/tokens/{token}.json", timeout=30).json()
    check(tk[0]["service_request_id"] == rid, "the token resolves to the request")

    for fmt in ("json", "xml"):
        g = GeoReport(root, output_format=fmt)
        r = g.get_service_request(rid)
        check(r["service_request_id"] == rid and r["status"] == "open", f"georeport ({fmt}) reads the request back")
        check("13812345678" not in str(r) and "小明" not in str(r), f"({fmt}) no name or phone in the request")
        listed = g.get_service_requests(service_code="municipal.streetlight", status="open")
        listed = listed if isinstance(listed, list) else [listed]
        check(any(x["service_request_id"] == rid for x in listed), f"georeport ({fmt}) lists it with filters")
    print(f"Open311 clients hold against {root}: request {rid}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
