#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of the test S3 server (scripts/s3server), for the offsite rotation
tests: requests go through unchanged (Host header included, so Signature V4 still checks), except

  --deny-delete       every DELETE gets 403 AccessDenied (a key without s3:DeleteObject)
  --fail-delete       every DELETE gets 500 InternalError (a storage failing; retried, then given up)
  --shrink-after N    listings after the Nth lose the <Contents> of keys matching --shrink-match
                      (a storage answering with part of the bucket)
  --head-size-zero    HEAD answers say Content-Length: 0 (a storage or gateway that lies about sizes)

Usage: s3_fault_proxy.py --upstream http://127.0.0.1:PORT --port-file FILE [faults]
Prints nothing; writes the port it listens on to FILE once listening.
"""
import argparse
import http.client
import http.server
import re
import threading
import urllib.parse

ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                 b'<Message>Access Denied (test proxy)</Message></Error>')
INTERNAL = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
            b'<Message>We encountered an internal error (test proxy)</Message></Error>')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--deny-delete", action="store_true")
    parser.add_argument("--fail-delete", action="store_true")
    parser.add_argument("--shrink-after", type=int, default=-1)
    parser.add_argument("--shrink-match", default="")
    parser.add_argument("--head-size-zero", action="store_true")
    args = parser.parse_args()
    upstream = urllib.parse.urlparse(args.upstream)
    state = {"lists": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *unused):
            pass

        def answer(self, status, body, headers=(), length=None):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "DELETE" and (args.deny_delete or args.fail_delete):
                self.answer(403 if args.deny_delete else 500, ACCESS_DENIED if args.deny_delete else INTERNAL,
                            [("Content-Type", "application/xml")])
                return
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {name: value for name, value in self.headers.items() if name.lower() != "expect"}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            if self.command == "GET" and query.get("list-type") == ["2"] and args.shrink_after >= 0:
                with lock:
                    state["lists"] += 1
                    shrink = state["lists"] > args.shrink_after
                if shrink:
                    pattern = re.compile(args.shrink_match)
                    data = re.sub(rb"<Contents>.*?</Contents>",
                                  lambda m: b"" if pattern.search(m.group(0).decode()) else m.group(0), data,
                                  flags=re.S)
            out = [(n, v) for n, v in response.getheaders()
                   if n.lower() not in ("content-length", "transfer-encoding", "connection")]
            length = None
            if self.command == "HEAD":  # no body: the upstream's length is the object's size
                length = "0" if args.head_size_zero else response.getheader("Content-Length", "0")
            self.answer(response.status, data, out, length)
            connection.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
