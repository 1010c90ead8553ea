#!/usr/bin/env python3
"""Worker throughput and overhead against `render-worker process` on the same files.

    tools/moto/venv/bin/python bench/worker_load.py [--jobs 500] [--model small] [--concurrency 4]

Generates N distinct models (examples/make_assets.rs), then
  A. runs `render-worker process` on every file, `--concurrency` at a time, from local disk to
     local disk (the CLI path),
  B. uploads the same files to a local moto S3, sends one job message per file to moto SQS and
     times a worker at the same concurrency from its first receive to the last completion
     event (the production path, against a single-threaded Python S3/SQS).
Prints wall time, jobs per second, CPU seconds of each, and the ratios. Both runs use the same
pipeline settings (--no-render unless --render). Uses the release binary (built if missing).
"""

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/render-worker")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen")


def cpu_seconds(pid):
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--model", default="small", choices=["small", "vase"])
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--render", action="store_true", help="render thumbnails too")
    a = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="worker-load-")
    models = os.path.join(work, "models")
    subprocess.run(
        ["cargo", "run", "--release", "-q", "--example", "make_assets", "--",
         "--load", models, str(a.jobs), a.model],
        cwd=ROOT, check=True)
    files = sorted(os.listdir(models), key=lambda f: int(f.split(".")[0]))
    job_flags = ["--lod", "1,0.5,0.25,0.1"] + ([] if a.render else ["--no-render"])
    env = dict(os.environ, RENDER_WORKER_ALLOW_SOFTWARE="1", RUST_LOG="warn")

    # A. The CLI on local files.
    out = os.path.join(work, "out")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()

    def process(f):
        subprocess.run([BIN, "process", os.path.join(models, f), "--out", out, *job_flags],
                       check=True, env=env, stdout=subprocess.DEVNULL)

    with ThreadPoolExecutor(a.concurrency) as pool:
        list(pool.map(process, files))
    cli_wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    # B. The worker on moto.
    port = free_port()
    python = os.path.join(ROOT, "tools/moto/venv/bin/python")
    moto = subprocess.Popen([python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        wait_port(port, moto, "moto")
        endpoint = f"http://127.0.0.1:{port}"
        creds = dict(aws_access_key_id="test", aws_secret_access_key="test",
                     region_name="us-east-1", endpoint_url=endpoint)
        s3 = boto3.client("s3", **creds)
        sqs = boto3.client("sqs", **creds)
        s3.create_bucket(Bucket="uploads")
        s3.create_bucket(Bucket="outputs")
        jobs = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        results = sqs.create_queue(QueueName="results")["QueueUrl"]
        for f in files:
            s3.upload_file(os.path.join(models, f), "uploads", f"load/{f}")
        metrics_port = free_port()
        worker = subprocess.Popen(
            [BIN, "worker", "--queue-url", jobs, "--output-bucket", "outputs",
             "--results-queue", results, "--endpoint-url", endpoint,
             "--concurrency", str(a.concurrency), "--imds-endpoint", "off",
             "--metrics-addr", f"127.0.0.1:{metrics_port}", *job_flags],
            env=dict(env, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                     AWS_REGION="us-east-1"),
            stderr=subprocess.DEVNULL)
        wait_port(metrics_port, worker, "worker")
        while b"render_worker_ready 1" not in urllib.request.urlopen(
                f"http://127.0.0.1:{metrics_port}/metrics").read():
            time.sleep(0.05)
        cpu_idle = cpu_seconds(worker.pid)
        start = time.perf_counter()
        for i in range(0, len(files), 10):
            sqs.send_message_batch(QueueUrl=jobs, Entries=[
                {"Id": str(n), "MessageBody": json.dumps({"input": f"s3://uploads/load/{f}"})}
                for n, f in enumerate(files[i:i + 10])])
        done, busy_ms = set(), 0.0
        while len(done) < len(files):
            r = sqs.receive_message(QueueUrl=results, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                e = json.loads(m["Body"])
                assert e["status"] == "succeeded", e
                if e["input"]["key"] in done:
                    sys.exit(f"{e['input']['key']} done twice")
                done.add(e["input"]["key"])
                busy_ms += e["summary"]["total_ms"]
                sqs.delete_message(QueueUrl=results,
                                   ReceiptHandle=m["ReceiptHandle"])
        worker_wall = time.perf_counter() - start
        worker_cpu = cpu_seconds(worker.pid) - cpu_idle
    finally:
        if worker:
            worker.terminate()
            worker.wait()
        moto.terminate()
        moto.wait()
        shutil.rmtree(work, ignore_errors=True)

    n = len(files)
    print(f"{n} {a.model} models, concurrency {a.concurrency}, {'render' if a.render else 'no render'}")
    print(f"  process (CLI, local disk): {cli_wall:7.2f} s wall  {n / cli_wall:7.1f} jobs/s  "
          f"{cli_cpu:7.2f} CPU s")
    print(f"  worker (moto S3/SQS):      {worker_wall:7.2f} s wall  {n / worker_wall:7.1f} jobs/s  "
          f"{worker_cpu:7.2f} CPU s (pipeline {busy_ms / 1e3:.2f} s)")
    print(f"  worker/process: wall {worker_wall / cli_wall:.3f}x "
          f"(overhead {100 * (worker_wall / cli_wall - 1):+.1f} %), "
          f"worker CPU {worker_cpu / cli_cpu:.3f}x of the CLI's")


if __name__ == "__main__":
    main()
