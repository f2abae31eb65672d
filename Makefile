# make python: build the C ABI (package capi) as python/mecsim/libmecsim.so and install
# the Python package in development mode: a mecsim.pth file in the user site-packages of
# $(PYTHON) points at python/, so `import mecsim` works from anywhere and picks up edits
# and rebuilds. No network and no pip needed (pip install -e python/ works too where
# pip may install).
PYTHON ?= /usr/bin/python3
LIB := python/mecsim/libmecsim.so

.PHONY: python lib pytest
python: lib
	@site=$$($(PYTHON) -m site --user-site) && mkdir -p "$$site" && \
	  echo "$(CURDIR)/python" > "$$site/mecsim.pth" && \
	  echo "wrote $$site/mecsim.pth -> $(CURDIR)/python"
	cd / && $(PYTHON) -c "import mecsim; print('mecsim', mecsim.__version__, 'from', mecsim.__file__)"

lib:
	go build -buildmode=c-shared -o $(LIB) ./capi

pytest: lib
	$(PYTHON) -m pytest python/tests -q
