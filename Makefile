# The project's commands. `make run` starts the local stack; `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
ENV ?= dev
# Terraform cannot reach its registry here; the tests install the AWS provider from this mirror.
export TF_PLUGIN_MIRROR_DIR ?= $(shell scripts/find-provider-mirror)

.PHONY: help venv run build test lint typecheck unit pytest bench deploy destroy deploy-local pipeline-local smoke clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/dynamodbmanager: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(BIN)/dynamodbmanager ## Create the virtual environment and install the package with its dev tools

run: venv build ## Start the local stack on http://127.0.0.1:$(PORT); DATA=DIR keeps data, TABLE_DEFINITION=FILE sets the design
	$(BIN)/dynamodbmanager local --port $(PORT) --zip dist/lambda.zip $(if $(DATA),--data-dir "$(DATA)") \
		$(if $(TABLE_DEFINITION),--table-definition "$(TABLE_DEFINITION)")

# RUNTIME_PYTHON=/path/to/python3.13 compiles the zip's bytecode with the Lambda runtime's Python when the
# virtualenv's is another version (bytecode of any other version is ignored by the runtime).
build: venv ## Package the Lambda function as dist/lambda.zip (reproducible) and its SHA-256
	$(BIN)/dynamodbmanager build --output dist/lambda.zip $(if $(RUNTIME_PYTHON),--python "$(RUNTIME_PYTHON)")

test: lint typecheck pytest ## Everything CI runs: ruff, mypy --strict and the whole pytest suite

lint: venv ## ruff check and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: venv ## mypy --strict over the package, tests and benchmarks
	$(BIN)/mypy

pytest: venv ## The whole pytest suite: unit, handler, integration and infrastructure tests
	$(BIN)/pytest --junitxml=test-results/pytest.xml

unit: venv ## Lint, type checks and the fast tests (no servers), with JUnit XML for the pipeline
	$(MAKE) lint typecheck
	$(BIN)/pytest tests/unit tests/handler --junitxml=test-results/unit.xml

bench: venv build ## Measure cold start, per-request time, end-to-end throughput and package size
	$(BIN)/python bench/run.py

deploy: build ## Plan and apply the Terraform for ENV (dev|prod) on AWS: make deploy ENV=dev
	scripts/deploy $(ENV)

destroy: ## Destroy the Terraform stack of ENV on AWS (refused while its table is protected): make destroy ENV=dev
	scripts/destroy $(ENV)

deploy-local: build ## Apply the Terraform to a running local emulator (EMULATOR_URL=http://127.0.0.1:PORT)
	scripts/deploy-local

pipeline-local: venv ## Rehearse the Jenkins pipeline's stages against the local emulator; ARTIFACTS=DIR keeps what it archives
	scripts/pipeline-local $(if $(ARTIFACTS),--artifacts "$(ARTIFACTS)")

smoke: ## Call a deployed API with the payloads/ files and the REST routes: make smoke URL=... API_KEY=...
	$(BIN)/python scripts/smoke.py --url "$(URL)" --api-key "$(API_KEY)"

clean: ## Remove build output and caches
	rm -rf dist build test-results .mypy_cache .ruff_cache .pytest_cache .hypothesis
