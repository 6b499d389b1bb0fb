"""
Benchmark: three signed-in users send worst-case Markdown previews at once; how fast does ``/`` answer anonymously?

    .venv/bin/python -m bench.preview_contention [--seconds 15]

On gunicorn with 3 workers (DEBUG=0, a fresh SQLite database with the essay,
127.0.0.1 only), three accounts each send previews back to back, in parallel,
while an anonymous reader asks for ``/`` every 100 ms; it prints the previews'
answers and the reader's latency. Two rounds: the issue's attack ("[" *
100,000, over a body's length), then the slowest 10,000-character case of
``bench/markdown_worst_case.py`` (rendered; the preview rate limit is lifted
for the benchmark so every preview is really rendered). The goal: ``/`` under
100 ms. Not a test: figures vary with the machine.
"""

import argparse
import multiprocessing
import statistics
import time
from collections import Counter

from bench.markdown_worst_case import adversarial_corpus
from bench.site import ROOT, Browser, served

USERS = ["writer1", "writer2", "writer3"]


def slowest_case(length=10_000):
    from annotations.markdown import render_markdown

    def cost(text):
        started = time.perf_counter()
        render_markdown(text)
        return time.perf_counter() - started

    return max(adversarial_corpus(length).items(), key=lambda item: min(cost(item[1]) for _ in range(3)))


def write(base, name, text, stop, results):
    """One writer, in its own process (the reader's timings must not wait for the writers' GIL)."""
    writer = Browser(base)
    status, _, _ = writer.log_in(name)
    assert status == 302, f"{name} could not log in ({status})"
    answers, times = Counter(), []
    while time.time() < stop:
        status, _, elapsed = writer.request("/markdownx/markdownify/", {"content": text})
        answers[status] += 1
        times.append(elapsed)
    results.put((answers, times))


def contend(base, text, *, seconds):
    reader = Browser(base)
    reader.request("/")  # the page is rendered once, then served from the cache
    start = time.time() + 3  # the writers have logged in by then
    stop = start + seconds
    results = multiprocessing.Queue()
    writers = [multiprocessing.Process(target=write, args=(base, name, text, stop, results)) for name in USERS]
    for writer in writers:
        writer.start()
    time.sleep(max(0.0, start - time.time()))
    latencies = []
    while time.time() < stop:
        status, _, elapsed = reader.request("/")
        assert status == 200, status
        latencies.append(elapsed)
        time.sleep(0.1)
    answers, preview_times = Counter(), []
    for _ in writers:
        writer_answers, writer_times = results.get(timeout=120)
        answers.update(writer_answers)
        preview_times += writer_times
    for writer in writers:
        writer.join()
    return answers, preview_times, latencies


def report(label, answers, preview_times, latencies):
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"{label}")
    print(f"  previews: {sum(answers.values())} sent, answers {dict(sorted(answers.items()))}, "
          f"median {statistics.median(preview_times) * 1000:.1f} ms each")
    print(f"  anonymous GET / meanwhile: {len(latencies)} requests, median {statistics.median(latencies) * 1000:.1f} ms, "
          f"p95 {quantiles[94] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description="Worst-case previews against an anonymous reader of /.")
    parser.add_argument("--seconds", type=float, default=15.0)
    options = parser.parse_args()
    name, text = slowest_case()
    print(f"gunicorn, 3 workers; 3 writers previewing back to back for {options.seconds:g} s each round\n")
    with served(ROOT, users=USERS, PREVIEW_RATE_PER_ACCOUNT="1000000/h", PREVIEW_RATE_PER_IP="1000000/h") as server:
        base = server.base
        report('"[" * 100,000 (the issue\'s attack: over a body\'s length)', *contend(base, "[" * 100_000, seconds=options.seconds))
        report(f"the slowest 10,000-character case, {name!r} (rendered)", *contend(base, text, seconds=options.seconds))


if __name__ == "__main__":
    main()
