"""Behind the TLS-intercepting proxy, the generated Dockerfile's installs work with the host's
CA bundle, which reaches them only through the ``dockdjango-ca`` cache mount: no file of the
final image holds the bundle's bytes, and no ENV names it."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import uuid
from pathlib import Path

import pytest

from dockdjango.api.images.project_images import build_project
from dockdjango.engine.builds.buildkit import build_image
from dockdjango.errors import BuildError
from dockdjango.images.ca import find_ca_bundle
from dockdjango.images.context import make_context
from dockdjango.images.dockerfile import DockerfileOptions

pytestmark = pytest.mark.engine

SAMPLE = Path(__file__).resolve().parents[1] / "images" / "data" / "sample"


@pytest.fixture(scope="module")
def bundle():
    found = find_ca_bundle()
    if found is None:
        pytest.skip("this host configures no CA bundle (no proxy to get through)")
    return found


def test_generated_build_trusts_the_bundle_and_no_layer_holds_it(
    engine, base_image, bundle, unique_name, cleanup_images, tmp_path
):
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)
    # A requirement no other test installs, so the install really goes online here.
    (root / "requirements.txt").write_text(f"six==1.16.0\n# {uuid.uuid4().hex}\n")
    tag = f"dockdjango-test/{unique_name}:ca"
    cleanup_images.append(tag)
    built = build_project(
        root, tag=tag, client=engine, options=DockerfileOptions(base_image=base_image)
    )
    install = next(s for s in built.steps if "uv pip install" in s.instruction)
    assert not install.cached

    image = engine.images.get(tag)
    env = image.attrs["Config"].get("Env") or []
    assert not any(e.startswith(("PIP_CERT=", "SSL_CERT_FILE=", "REQUESTS_CA")) for e in env)

    container = engine.containers.create(
        tag, ["python3", "-c", "import six; print(six.__version__)"], name=unique_name,
        labels={"org.dockdjango.test": "1"},
    )  # fmt: skip
    try:
        container.start()
        assert container.wait(timeout=60)["StatusCode"] == 0
        assert container.logs().decode().strip() == "1.16.0"
        # No file in the final file system has the bundle's bytes, at any path.
        wanted = hashlib.sha256(bundle.read_bytes()).hexdigest()
        size = bundle.stat().st_size
        scanned = 0
        stream = _IterReader(container.export())
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                if member.isreg():
                    scanned += 1
                    if member.size == size:
                        fh = tar.extractfile(member)
                        assert fh is not None
                        assert hashlib.sha256(fh.read()).hexdigest() != wanted, member.name
        assert scanned > 1000  # the whole file system was read, not an empty stream
    finally:
        container.remove(force=True)


def test_without_the_bundle_pip_fails_on_the_certificate(engine, base_image):
    dockerfile = (
        f"FROM {base_image}\n"
        f"RUN python3 -m venv /opt/v && /opt/v/bin/pip install --no-cache-dir --retries 0 "
        f"--timeout 20 six==1.16.0  # {uuid.uuid4().hex}\n"
    )
    context = make_context(None, extra_files={"Dockerfile": dockerfile.encode()})
    with pytest.raises(BuildError) as err:
        build_image(engine, context, cache_only=True)
    assert "pip install" in str(err.value)
    assert any("CERTIFICATE_VERIFY_FAILED" in line or "SSL" in line for line in err.value.output)


class _IterReader:
    """A file-like view of a byte-chunk iterator, for streaming tar reads."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out
