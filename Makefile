# Build and install taskstat the way distributions expect.
#
#   make                      build target/release/taskstat
#   CARGO_TARGET_DIR=dir make build in, and install from, dir/ instead of target/ (honoured as cargo does)
#   make install              to $(DESTDIR)$(PREFIX): bin, man1, bash/zsh/fish completions,
#                             and the systemd units of `taskstat serve` and `record` (not enabled)
#   make uninstall
#   make CARGOFLAGS=--offline after `cargo fetch --locked`: no network at build time
#   make docs                 regenerate man/ and completions/ from the CLI definition

PREFIX ?= /usr/local
DESTDIR ?=
CARGO ?= cargo
CARGOFLAGS ?=
INSTALL ?= install

bindir = $(PREFIX)/bin
man1dir = $(PREFIX)/share/man/man1
bashdir = $(PREFIX)/share/bash-completion/completions
zshdir = $(PREFIX)/share/zsh/site-functions
fishdir = $(PREFIX)/share/fish/vendor_completions.d
unitdir ?= $(PREFIX)/lib/systemd/system
# Where cargo puts its output: $(CARGO_TARGET_DIR) when set (packagers often
# set it), else target/. BIN must point there or install takes a missing or
# stale binary.
targetdir = $(or $(CARGO_TARGET_DIR),$(CARGO_BUILD_TARGET_DIR),target)

BIN ?= $(targetdir)/release/taskstat
BUILD = $(CARGO) build --release --locked $(CARGOFLAGS)

.PHONY: all build install uninstall docs check clean

all: build

build:
	$(BUILD)

$(BIN):
	$(BUILD)

install: $(BIN)
	$(INSTALL) -Dm755 $(BIN) $(DESTDIR)$(bindir)/taskstat
	$(INSTALL) -Dm644 man/taskstat.1 $(DESTDIR)$(man1dir)/taskstat.1
	$(INSTALL) -Dm644 completions/taskstat.bash $(DESTDIR)$(bashdir)/taskstat
	$(INSTALL) -Dm644 completions/_taskstat $(DESTDIR)$(zshdir)/_taskstat
	$(INSTALL) -Dm644 completions/taskstat.fish $(DESTDIR)$(fishdir)/taskstat.fish
	$(INSTALL) -d $(DESTDIR)$(unitdir)
	for u in taskstat-serve taskstat-record; do \
	    sed 's|@BINDIR@|$(bindir)|' contrib/$$u.service > $(DESTDIR)$(unitdir)/$$u.service && \
	    chmod 644 $(DESTDIR)$(unitdir)/$$u.service || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(bindir)/taskstat $(DESTDIR)$(man1dir)/taskstat.1 \
	      $(DESTDIR)$(bashdir)/taskstat $(DESTDIR)$(zshdir)/_taskstat \
	      $(DESTDIR)$(fishdir)/taskstat.fish $(DESTDIR)$(unitdir)/taskstat-serve.service \
	      $(DESTDIR)$(unitdir)/taskstat-record.service

docs:
	$(CARGO) run --locked --example generate $(CARGOFLAGS)

check:
	$(CARGO) test --locked $(CARGOFLAGS)

clean:
	$(CARGO) clean
