# Shared by the `sam build` makefiles (shared/, functions/, layers/report/).
# PYTHON must be the runtime's minor (bytecode is per minor): `make build` passes the venv's python3.13.
RUNTIME_MINOR := 3.13
# the template's Architectures (arm64); the packaging test builds for this machine's instead (LAMBDA_ARCH=x86_64)
LAMBDA_ARCH ?= aarch64

# $(call layer,LOCKFILE): the locked wheels for Lambda arm64 into $(ARTIFACTS_DIR)/python (no resolver, hashes checked)
define layer
	@"$(PYTHON)" -c 'import sys; v="%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(RUNTIME_MINOR)" else f"build: {sys.executable} is Python {v}; the runtime is $(RUNTIME_MINOR) (make build sets PYTHON)")'
	"$(PYTHON)" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --require-hashes \
	  --only-binary=:all: --platform manylinux2014_$(LAMBDA_ARCH) --platform manylinux_2_28_$(LAMBDA_ARCH) \
	  --implementation cp --python-version $(RUNTIME_MINOR) --target "$(ARTIFACTS_DIR)/python" -r $(1)
	rm -rf "$(ARTIFACTS_DIR)"/python/bin
endef

# $(call compile,DIR): .pyc that stays valid whatever mtime the zip gives the source (unchecked-hash)
define compile
	"$(PYTHON)" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(1)"
endef
