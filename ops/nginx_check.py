"""
The nginx site (deploy/nginx/edition.conf) at work, on loopback: `make deploy-check` runs it after `nginx -t`.

nginx runs the site as written — only its addresses, certificate and paths
pointed at a temporary directory — in front of a stand-in application whose
answers carry the caching headers under test. Prints each result; exits
non-zero when one does not hold. Passed over (exit 0) when nginx is not installed.
"""

import re
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from http.client import HTTPConnection, HTTPSConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ops.stack import ROOT, Throwaway, free_port, wait_for

HOST = "edition.example.org"
# The stand-in application's answers: path → its own caching headers.
ANSWERS = {
    "/public": {"Cache-Control": "public, max-age=0, s-maxage=60", "ETag": '"r1"'},
    "/private": {"Cache-Control": "private, no-store"},
    "/unmarked": {},
    "/sets-a-cookie": {"Cache-Control": "public, s-maxage=60", "Set-Cookie": "csrftoken=abc; Path=/"},
    "/short-lived": {"Cache-Control": "public, s-maxage=1", "ETag": '"r1"'},
}


class StandIn(BaseHTTPRequestHandler):
    hits = Counter()
    seen_headers = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        StandIn.hits[self.path] += 1
        StandIn.seen_headers[self.path] = dict(self.headers)
        etag = ANSWERS.get(self.path, {}).get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:  # unchanged: nothing to render or send
            self.send_response(304)
            for name, value in ANSWERS[self.path].items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(200)
        for name, value in ANSWERS.get(self.path, {}).items():
            self.send_header(name, value)
        body = f"answer {StandIn.hits[self.path]} for {self.path}".encode()
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Nginx:
    def __init__(self, workdir, *, upstream_port):
        self.dir = Path(workdir)
        self.dir.chmod(0o755)  # nginx's workers run as another user (nobody, when started by root)
        self.http_port, self.https_port = free_port(), free_port()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
                        "-keyout", str(self.dir / "key.pem"), "-out", str(self.dir / "cert.pem")],
                       check=True, capture_output=True)
        static = self.dir / "static" / "annotations"
        static.mkdir(parents=True)
        (static / "edition.css").write_text("body {}")
        (static / "edition.0123456789ab.css").write_text("body {}")
        site = (ROOT / "deploy" / "nginx" / "edition.conf").read_text()
        for old, new in [
            ("server unix:/run/edition/gunicorn.sock fail_timeout=0;", f"server 127.0.0.1:{upstream_port};"),
            ("listen 80;", f"listen 127.0.0.1:{self.http_port};"),
            ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;"),
            ("/etc/letsencrypt/live/edition.example.org/fullchain.pem", str(self.dir / "cert.pem")),
            ("/etc/letsencrypt/live/edition.example.org/privkey.pem", str(self.dir / "key.pem")),
            ("/var/cache/nginx/edition", str(self.dir / "cache")),
            ("/srv/edition/staticfiles/", f"{self.dir / 'static'}/"),
            ("/var/www/letsencrypt", str(self.dir / "acme")),
        ]:
            assert old in site, f"the site no longer has {old!r}: update ops/nginx_check.py"
            site = site.replace(old, new)
        site = re.sub(r"\n\s*listen \[::\]:\d+[^;]*;", "", site)
        (self.dir / "edition.conf").write_text(site)
        temp = " ".join(f"{kind}_temp_path {self.dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(
            f"pid {self.dir / 'nginx.pid'};\nerror_log {self.dir / 'error.log'};\nevents {{}}\n"
            f"http {{ include /etc/nginx/mime.types; access_log off; {temp} include {self.dir / 'edition.conf'}; }}\n"
        )
        self.process = subprocess.Popen(["nginx", "-c", str(self.dir / "nginx.conf"), "-p", f"{self.dir}/",
                                         "-g", "daemon off;"], stderr=subprocess.PIPE)
        wait_for("nginx", lambda: self.get("/static/annotations/edition.css")[0] == 200, seconds=20,
                 process=self.process, stop=self.stop)

    def get(self, path, *, headers=None, https=True):
        if https:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            connection = HTTPSConnection("127.0.0.1", self.https_port, context=context, timeout=10)
        else:
            connection = HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            connection.close()

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def twice(nginx, path, **kwargs):
    """Ask twice; the cache status of each answer and how often the application was asked."""
    before = StandIn.hits[path]
    statuses = [nginx.get(path, **kwargs)[1].get("X-Cache-Status") for _ in range(2)]
    return statuses, StandIn.hits[path] - before


def main():
    if not shutil.which("nginx"):
        print("nginx is not installed: the site was not run (Debian: apt-get install nginx)")
        return 0
    results = []

    def report(ok, claim, detail):
        results.append(ok)
        print(f"{'PASS' if ok else 'FAIL'}  {claim}\n      {detail}", flush=True)

    with Throwaway("edition-nginx-") as stack:
        application = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=application.serve_forever, daemon=True).start()
        stack.started.append(type("Stopper", (), {"stop": lambda self: application.shutdown()})())
        nginx = stack.start(Nginx, stack.dir, upstream_port=application.server_address[1])

        status, headers, _ = nginx.get("/public", https=False)
        report(status == 301 and headers["Location"] == f"https://{HOST}/public", "plain HTTP is sent to HTTPS",
               f"{status} → {headers.get('Location')}")
        statuses, asked = twice(nginx, "/public")
        report(statuses == ["MISS", "HIT"] and asked == 1,
               "a page the application marks public (s-maxage) is served from the cache",
               f"Cache-Control {ANSWERS['/public']['Cache-Control']!r}: {statuses}, the application asked {asked} time(s)")
        for path in ("/private", "/unmarked", "/sets-a-cookie"):
            statuses, asked = twice(nginx, path)
            report(asked == 2, f"{path}: never served from the cache",
                   f"headers {ANSWERS[path] or 'none'}: {statuses}, the application asked {asked} times")
        first = nginx.get("/short-lived")[1].get("X-Cache-Status")
        time.sleep(2.5)  # past its s-maxage of 1 s (nginx counts expiry in whole seconds)
        status, headers, body = nginx.get("/short-lived")
        asked_with = StandIn.seen_headers["/short-lived"].get("If-None-Match")
        report(headers.get("X-Cache-Status") == "REVALIDATED" and body == "answer 1 for /short-lived",
               "an expired page is revalidated with the application's ETag, not fetched again",
               f"{first}, then after its s-maxage: {headers.get('X-Cache-Status')} {status}; the application was "
               f"asked {StandIn.hits['/short-lived']} times, the last with If-None-Match {asked_with}; "
               f"body served: {body!r}")
        statuses, asked = twice(nginx, "/public", headers={"Cookie": "sessionid=someone"})
        report(asked == 2 and statuses == ["BYPASS", "BYPASS"],
               "a visitor with a session never gets a shared page", f"{statuses}, the application asked {asked} times")
        seen = StandIn.seen_headers["/public"]
        report(seen.get("X-Forwarded-Proto") == "https" and seen.get("X-Real-IP") == "127.0.0.1" and seen.get("Host") == HOST,
               "the application is told the scheme, the client's address and the host",
               f"X-Forwarded-Proto {seen.get('X-Forwarded-Proto')}, X-Real-IP {seen.get('X-Real-IP')}, Host {seen.get('Host')}")
        hashed = nginx.get("/static/annotations/edition.0123456789ab.css")[1].get("Cache-Control")
        plain = nginx.get("/static/annotations/edition.css")[1].get("Cache-Control")
        report(hashed == "public, max-age=31536000, immutable" and plain == "public, max-age=3600",
               "static files are served from STATIC_ROOT, hashed names cached for a year",
               f"hashed: {hashed!r}; unhashed: {plain!r}")
    print(f"\n{sum(results)} of {len(results)} nginx checks passed.")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
