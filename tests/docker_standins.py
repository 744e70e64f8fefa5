"""Local stand-ins for the base images a generated Dockerfile names, for builds without a registry.

The Python image is a minimal Debian bookworm made with debootstrap (its python3 is 3.11), with the
host's CA bundle so the build reaches the package index through the same TLS setup as the host; the
uv image holds only the `uv` binary of the generator's own environment, at `/uv` as in the real
one. Each is tagged with the exact name the Dockerfile's `ARG` defaults to, so the Dockerfile builds
unchanged. The Debian root file system is cached as a tarball keyed by its debootstrap inputs (in
fastgen's cache folder), and the images stay in podman's storage between runs.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import uv
from filelock import FileLock

from fastgen.user_cache import cache_folder

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3", "python-is-python3", "ca-certificates")
STANDIN_PYTHON = "3.11"  # the python3 of Debian bookworm
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
LABEL = "dev.fastgen.standin"
TOOLS = ("podman", "buildah", "debootstrap")


def cache_dir() -> Path:
    root = cache_folder()
    root.mkdir(parents=True, exist_ok=True)
    return root


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(*command: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result  # type: ignore[no-any-return]


def _image_label(image: str) -> str | None:
    result = subprocess.run(
        ["podman", "image", "inspect", "--format", f'{{{{index .Labels "{LABEL}"}}}}', image],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def python_standin(image: str) -> None:
    """Make `image` a Debian bookworm with python3, unless it already is this stand-in."""
    ca = HOST_CA_BUNDLE.read_bytes() if HOST_CA_BUNDLE.is_file() else b""
    inputs = "\n".join([SUITE, MIRROR, *PACKAGES]).encode() + hashlib.sha256(ca).digest()
    key = hashlib.sha256(inputs).hexdigest()[:16]
    if _image_label(image) == key:
        return
    tarball = cache_dir() / f"standin-{SUITE}-{key}.tar"
    with FileLock(str(tarball) + ".lock"):
        if not tarball.is_file():
            _debootstrap(tarball, ca)
        _run(
            "podman",
            "import",
            "--change",
            'CMD ["python3"]',
            "--change",
            f"ENV SSL_CERT_FILE={IMAGE_CA_BUNDLE}",
            "--change",
            f"LABEL {LABEL}={key}",
            str(tarball),
            image,
        )


def _debootstrap(tarball: Path, ca: bytes) -> None:
    with tempfile.TemporaryDirectory(dir=tarball.parent) as scratch:
        rootfs = Path(scratch) / "rootfs"
        _run(
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(rootfs),
            MIRROR,
        )
        if ca:
            (rootfs / IMAGE_CA_BUNDLE.lstrip("/")).write_bytes(ca)
        partial = tarball.with_suffix(".partial")
        _run("tar", "-C", str(rootfs), "-cf", str(partial), ".")
        partial.replace(tarball)


def uv_standin(image: str) -> None:
    """Make `image` an image holding only /uv, the uv of this environment."""
    binary = Path(uv.find_uv_bin())
    key = hashlib.sha256(binary.read_bytes()).hexdigest()[:16]
    if _image_label(image) == key:
        return
    container = _run("buildah", "from", "scratch").stdout.strip()
    try:
        _run("buildah", "copy", container, str(binary), "/uv")
        _run("buildah", "config", "--label", f"{LABEL}={key}", container)
        _run("buildah", "commit", "--quiet", container, image)
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True, check=False)
