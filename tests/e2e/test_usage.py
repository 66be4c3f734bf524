"""Help, usage errors, target errors and installation next to the official plugin, through the real cf CLI.

Usage errors print `FAILED` / `Incorrect usage. <reason>` and the command's help on stdout; cf exits 1
(it turns any non-zero plugin exit into 1)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from required import require

from e2e.cfcli import PLUGIN, ROOT

COMMANDS = {
    "bg-deploy": "Deploy a multi-target app using blue-green deployment",
    "deploy": "Deploy a new multi-target app or sync changes to an existing one",
    "undeploy": "Undeploy a multi-target app",
    "rollback-mta": "Roll back a multi-target app to the version kept by a blue-green deployment with "
                    "--backup-previous-version",
    "mtas": "List all multi-target apps",
    "mta": "Display health and status for a multi-target app",
    "mta-ops": "List multi-target app operations",
    "download-mta-op-logs": "Download logs of multi-target app operation",
}

DEPLOY_FLAGS = ["-e", "-t", "--apps-start-timeout", "--apps-stage-timeout", "--apps-upload-timeout",
                "--apps-task-execution-timeout", "--version-rule", "-f", "--retries", "--no-start", "--namespace",
                "--delete-services", "--delete-service-keys", "--keep-files", "--no-restart-subscribed-apps",
                "--abort-on-error", "--skip-idle-start", "-m", "-r", "-i", "-a", "-u", "--json", "--strategy",
                "--dependency-aware-stop-order", "--skip-testing-phase", "--apply-namespace-app-names",
                "--apply-namespace-service-names", "--apply-namespace-app-routes", "--apply-namespace-as-suffix",
                "--delete-service-brokers", "--do-not-fail-on-missing-permissions", "--skip-ownership-validation",
                "--require-secure-parameters", "--disposable-user-provided-service",
                "--smoke-test", "--smoke-test-timeout", "--backup-previous-version", "--backup-ttl"]

# (arguments, the reason after "Incorrect usage. ", command whose help follows)
USAGE_ERRORS = [
    (["bg-deploy", "a.mtar", "--bogus"], "Unknown or wrong flags: --bogus", "bg-deploy"),
    (["bg-deploy", "a.mtar", "-l"], "Unknown or wrong flags: -l", "bg-deploy"),
    (["bg-deploy", "a.mtar", "b.mtar"], "Wrong arguments", "bg-deploy"),
    (["bg-deploy", "a.mtar", "-t"], "Missing value for option -t", "bg-deploy"),
    (["bg-deploy", "a.mtar", "-t", "soon"], "Invalid value for t: soon. Value must be in the range 0 to 259200.",
     "bg-deploy"),
    (["bg-deploy", "a.mtar", "--apps-start-timeout", "259201"],
     "Invalid value for apps-start-timeout: 259201. Value must be in the range 0 to 259200.", "bg-deploy"),
    (["deploy", "a.mtar", "--apps-stage-timeout", "-1"],
     "Invalid value for apps-stage-timeout: -1. Value must be in the range 0 to 259200.", "deploy"),
    (["deploy", "a.mtar", "--apps-upload-timeout", "x"],
     "Invalid value for apps-upload-timeout: x. Value must be in the range 0 to 259200.", "deploy"),
    (["deploy", "a.mtar", "--apps-task-execution-timeout", "1.5"],
     "Invalid value for apps-task-execution-timeout: 1.5. Value must be in the range 0 to 259200.", "deploy"),
    (["bg-deploy", "a.mtar", "--version-rule", "NEWER"],
     "Invalid value for version-rule: NEWER. Expected one of HIGHER, SAME_HIGHER, ALL.", "bg-deploy"),
    (["bg-deploy", "a.mtar", "--retries", "many"],
     "Invalid value for retries: many. Value must be a non-negative integer.", "bg-deploy"),
    (["bg-deploy", "a.mtar", "--namespace", "n" * 37],
     "Invalid value for namespace. The namespace cannot be more than 36 symbols.", "bg-deploy"),
    (["bg-deploy", "a.mtar", "--strategy", "purple"],
     "purple is not a valid deployment strategy, available strategies: [blue-green incremental-blue-green default]",
     "bg-deploy"),
    (["deploy", "a.mtar", "--apply-namespace-app-names", "yes"],
     "Invalid value for apply-namespace-app-names: yes. Expected true or false.", "deploy"),
    (["deploy", "a.mtar", "--no-confirm"], "Unknown or wrong flags: --no-confirm", "deploy"),
    (["deploy", "a.mtar", "--strategy", "purple"],
     "purple is not a valid deployment strategy, available strategies: [blue-green incremental-blue-green default]",
     "deploy"),
    (["deploy", "a.mtar", "--strategy"], "Missing value for option --strategy", "deploy"),
    (["bg-deploy", "-i", "7"], "All the a i options should be specified together", "bg-deploy"),
    (["bg-deploy", "-a", "resume"], "All the a i options should be specified together", "bg-deploy"),
    (["bg-deploy", "-i", "7", "-a", "resume", "-a", "abort"], "Options i and a should be specified only once",
     "bg-deploy"),
    (["deploy", "-i", "7", "-a", "dance"], "Invalid action dance", "deploy"),
    (["bg-deploy", "a.mtar", "-i", "7", "-a", "resume"], "Wrong arguments", "bg-deploy"),
    (["undeploy"], 'Missing positional argument "MTA_ID"', "undeploy"),
    (["undeploy", "a", "b"], "Wrong arguments", "undeploy"),
    (["undeploy", "-i", "7", "-a", "resume"], "Invalid action resume", "undeploy"),
    (["undeploy", "a", "--no-confirm"], "Unknown or wrong flags: --no-confirm", "undeploy"),
    (["mtas", "extra"], "Wrong arguments", "mtas"),
    (["mta"], 'Missing positional argument "MTA_ID"', "mta"),
    (["rollback-mta"], 'Missing positional argument "MTA_ID"', "rollback-mta"),
    (["rollback-mta", "a", "--smoke-test", "x"], "Unknown or wrong flags: --smoke-test", "rollback-mta"),
    (["deploy", "a.mtar", "--smoke-test", "./check.sh"],
     "--smoke-test needs --strategy blue-green or incremental-blue-green", "deploy"),
    (["bg-deploy", "a.mtar", "--backup-ttl", "soon"],
     "Invalid value for backup-ttl: soon. Use seconds or a duration such as 90s, 5m, 24h, 7d (from 60s to 31622400s).",
     "bg-deploy"),
    (["mta-ops", "--last", "x"], "Invalid value for last: x. Value must be a non-negative integer.", "mta-ops"),
    (["mta-ops", "--everything"], "Unknown or wrong flags: --everything", "mta-ops"),
    (["dmol"], 'Missing required option "i"', "download-mta-op-logs"),
    (["download-mta-op-logs", "-i", "7", "--mta", "x"], "Option -i and option --mta are incompatible",
     "download-mta-op-logs"),
]


def test_help_lists_every_command_and_shows_usage(sim, cf) -> None:
    res = cf("help", "-a", check=True)
    plugin_section = res.out.split("INSTALLED PLUGIN COMMANDS:")[1]
    for name, text in COMMANDS.items():
        assert f"{name} " in plugin_section and text in plugin_section, (name, plugin_section)

    bg = cf("help", "bg-deploy", check=True).out
    assert bg.startswith("NAME:\n   bg-deploy - Deploy a multi-target app using blue-green deployment\n")
    assert "cf bg-deploy MTA [-e EXT_DESCRIPTOR[,...]] [-t TIMEOUT]" in bg
    assert "cf bg-deploy -i OPERATION_ID -a ACTION [-u URL] [--json]" in bg
    for flag in [*DEPLOY_FLAGS, "--no-confirm"]:
        assert f"   {flag} " in bg, flag
    assert "<write MTA archive URL to STDOUT> | cf bg-deploy [-e EXT_DESCRIPTOR[,...]]" in bg

    deploy = cf("help", "deploy", check=True).out
    for flag in DEPLOY_FLAGS:
        assert f"   {flag} " in deploy, flag
    assert "--no-confirm" not in deploy
    assert "(default, blue-green, incremental-blue-green)" in deploy
    assert "[--apply-namespace-app-names true/false]" in deploy

    undeploy = cf("help", "undeploy", check=True).out
    assert "cf undeploy MTA_ID [-u URL] [-f] [--retries RETRIES] [--namespace NAMESPACE] [--delete-services] " \
           "[--delete-service-keys] [--delete-service-brokers]" in undeploy
    assert "   --do-not-fail-on-missing-permissions " in undeploy
    assert "cf mta-ops [--mta MTA] [-u URL] [--last NUM] [--all]" in cf("help", "mta-ops", check=True).out
    assert "cf mta MTA_ID [--namespace NAMESPACE]" in cf("help", "mta", check=True).out
    dmol = cf("help", "dmol", check=True).out  # help through the alias
    assert "download-mta-op-logs - Download logs of multi-target app operation" in dmol
    assert "cf download-mta-op-logs -i OPERATION_ID [-d DIRECTORY]" in dmol


def test_usage_errors_fail_the_cf_way(sim, cf) -> None:
    failures = []
    for args, reason, command in USAGE_ERRORS:
        res = cf(*args)
        expected = f"FAILED\nIncorrect usage. {reason}\n\nNAME:\n   {command} - {COMMANDS[command]}\n"
        if res.code != 1 or not res.out.startswith(expected) or "USAGE:" not in res.out:
            failures.append(f"cf {' '.join(args)} -> {res.code}\n{res.text}")
    assert not failures, "\n\n".join(failures)

    # Nothing was started: usage errors never reach the engine.
    assert not (cf.state_dir / "engine.sock").exists()

    # In --json mode the usage error is one summary record on stdout, the human line on stderr.
    res = cf("bg-deploy", "a.mtar", "--bogus", "--json")
    assert res.code == 1
    assert res.out.count("\n") == 1 and '"outcome":"usage_error"' in res.out and '"exit_code":2' in res.out
    assert "Incorrect usage. Unknown or wrong flags: --bogus" in res.err


def test_runtime_errors_without_usage_help(sim, cf, tmp_path: Path) -> None:
    res = cf("bg-deploy", str(tmp_path / "missing.mtar"))
    assert res.code == 1 and res.out == f"FAILED\nCould not find file {tmp_path / 'missing.mtar'}\n", res.text
    res = cf("bg-deploy", "-i", "999", "-a", "resume")
    assert res.code == 1 and res.out.endswith("FAILED\nMulti-target app operation with ID 999 not found\n"), res.text
    res = cf("mta", "no.such.mta")
    assert res.code == 1 and "FAILED\nMulti-target app no.such.mta not found" in res.out, res.text
    res = cf("undeploy", "no.such.mta", "-f")
    assert res.code == 1 and "FAILED\nMulti-target app no.such.mta not found" in res.out, res.text
    res = cf("dmol", "-i", "999", "-d", str(tmp_path))
    assert res.code == 1 and "Multi-target app operation with ID 999 not found" in res.out, res.text

    cf("logout", check=True)
    for args in (["mtas"], ["bg-deploy", "a.mtar"], ["mta-ops"]):
        res = cf(*args)
        assert res.code == 1 and 'Not logged in. Use "cf login" to log in.' in res.out, res.text


FAKE_MULTIAPPS = """package main

import "code.cloudfoundry.org/cli/v8/plugin"

type fake struct{}

func (fake) Run(plugin.CliConnection, []string) {}

func (fake) GetMetadata() plugin.PluginMetadata {
	return plugin.PluginMetadata{
		Name:    "multiapps",
		Version: plugin.VersionType{Major: 3, Minor: 11, Build: 1},
		Commands: []plugin.Command{
			{Name: "deploy", HelpText: "Deploy a new multi-target app or sync changes to an existing one"},
			{Name: "bg-deploy", HelpText: "Deploy a multi-target app using blue-green deployment"},
		},
	}
}

func main() { plugin.Start(fake{}) }
"""


def build_fake_multiapps(tmp_path: Path) -> Path:
    """A stand-in for the official plugin: named multiapps, registering deploy and bg-deploy."""
    go = str(require(Path(shutil.which("go") or "go"), "go (it builds the fake multiapps plugin)"))
    src = tmp_path / "fake-multiapps"
    src.mkdir()
    (src / "main.go").write_text(FAKE_MULTIAPPS)
    shim_mod = (ROOT / "plugin-shim" / "go.mod").read_text()
    cli = next(line.split()[-1] for line in shim_mod.splitlines() if "code.cloudfoundry.org/cli/v8 " in line)
    (src / "go.mod").write_text(f"module fakemultiapps\n\ngo 1.22\n\nrequire code.cloudfoundry.org/cli/v8 {cli}\n")
    shutil.copy(ROOT / "plugin-shim" / "go.sum", src / "go.sum")
    out = src / "multiapps"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    subprocess.run([go, "build", "-o", str(out), "."], cwd=src, env=env, check=True, capture_output=True, timeout=300)
    return out


def test_install_next_to_the_official_plugin_fails_cleanly(sim, cf, tmp_path: Path) -> None:
    fake = build_fake_multiapps(tmp_path)
    cf("uninstall-plugin", "bg-deploy", check=True)
    res = cf("install-plugin", "-f", str(fake))
    assert res.code == 0 and "Plugin multiapps 3.11.1 successfully installed." in res.out, res.text

    res = cf("install-plugin", "-f", str(PLUGIN))
    assert res.code == 1, res.text
    assert "FAILED" in res.out
    assert ("Plugin bg-deploy v0.1.0 could not be installed as it contains commands with names that are "
            "already used: bg-deploy, deploy.") in res.err, res.text
    # Nothing of ours was half-installed: multiapps keeps its commands, ours are not registered.
    plugins = cf("plugins", check=True).out
    assert not re.search(r"^bg-deploy\s", plugins, re.M) and "multiapps" in plugins
    assert "'mtas' is not a registered command" in cf("mtas").text
    assert not (cf.home / ".cf" / "plugins" / "bg-deploy").exists()

    # After removing the official plugin, ours installs.
    cf("uninstall-plugin", "multiapps", check=True)
    res = cf("install-plugin", "-f", str(PLUGIN))
    assert res.code == 0 and "Plugin bg-deploy 0.1.0 successfully installed." in res.out, res.text

    # The other way round fails the same way.
    res = cf("install-plugin", "-f", str(fake))
    assert res.code == 1 and "Plugin multiapps v3.11.1 could not be installed as it contains commands with names " \
                             "that are already used: bg-deploy, deploy." in res.err, res.text


def test_the_official_commands_this_plugin_lacks_are_not_registered(sim, cf) -> None:
    """`purge-mta-config` (docs/official-parity.md says why): the cf CLI's own error."""
    for command in ("purge-mta-config",):
        res = cf(command)
        assert res.code == 1 and f"'{command}' is not a registered command" in res.text, res.text
