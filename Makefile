# PhanAnh: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint bench install clean messages cluster-test kill-test backup-test

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) ./scripts/run.sh

test: $(STAMP)
	./scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	./scripts/bench.sh

# Two app servers behind haproxy on PostgreSQL, Redis and S3 (moto), one killed under load.
cluster-test: $(STAMP)
	./scripts/cluster_test.sh

# The single box (gunicorn + huey on SQLite): server and worker killed under load.
kill-test: $(STAMP)
	$(BIN)/python scripts/kill_test.py

# Back up a demo install, restore it elsewhere, compare.
backup-test: $(STAMP)
	./scripts/backup_restore_test.sh

messages: $(STAMP)
	cd phananh && ../$(BIN)/python ../manage.py makemessages -l vi -l en --no-obsolete && ../$(BIN)/python ../manage.py compilemessages

clean:
	rm -rf $(VENV) staticfiles
