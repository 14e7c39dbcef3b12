"""The Dask engine gives results identical to the Polars engine: on a local cluster, and on
a scheduler and two workers started as separate processes on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from cohort_synth import make_cohort, write
from typer.testing import CliRunner

from magnerve.cli import app
from magnerve.cohort import SchedulerError, cohort_prevalence, read_cohort


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("engines")
    df = make_cohort(1500, seed=21)
    return {fmt: write(df, d / f"c.{fmt}") for fmt in ("csv", "parquet", "xpt")}


def test_local_cluster_identical(files):
    for fmt, path in files.items():
        a = read_cohort(path)
        b = read_cohort(path, engine="dask")
        assert b.equals(a), fmt
    p = files["csv"]
    assert (
        cohort_prevalence(p, engine="dask", method="probability").to_dict()
        == cohort_prevalence(p, method="probability").to_dict()
    )


def test_bad_value_found_by_dask_too(tmp_path):
    df = make_cohort(200, seed=1, infants=False)
    lines = df.write_csv().splitlines()
    cells = lines[150].split(",")
    cells[1] = "3"
    lines[150] = ",".join(cells)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(Exception) as polars_err:
        read_cohort(p)
    with pytest.raises(Exception) as dask_err:
        read_cohort(p, engine="dask")
    assert str(dask_err.value) == str(polars_err.value)
    assert "RIAGENDR is 3" in str(dask_err.value)


def test_unreachable_scheduler(files):
    addr = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(SchedulerError, match="cannot connect to the Dask scheduler"):
        read_cohort(files["csv"], engine="dask", scheduler=addr)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_scheduler_and_two_worker_processes(files):
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--dashboard-address",
                ":0",
                "--no-show",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        addr,
                        "--nthreads",
                        "1",
                        "--host",
                        "127.0.0.1",
                        "--dashboard-address",
                        ":0",
                        "--no-nanny",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(addr, timeout="30s") as c:
            deadline = time.monotonic() + 60
            while len(c.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(c.scheduler_info()["workers"]) == 2
        for path in files.values():
            assert read_cohort(path, engine="dask", scheduler=addr).equals(read_cohort(path))
        res = CliRunner().invoke(
            app,
            ["cohort", str(files["parquet"]), "--engine", "dask", "--scheduler", addr, "--json"],
        )
        assert res.exit_code == 0, res.output
        ref = CliRunner().invoke(app, ["cohort", str(files["parquet"]), "--json"])
        assert res.stdout == ref.stdout
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
