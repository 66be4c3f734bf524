package cmd

import "code.cloudfoundry.org/cli/v8/plugin"

// Help texts of the options, in the official plugin's words where it has the option.
var optionHelp = map[string]string{
	"e":                           "Extension descriptors",
	"t":                           "Start app timeout in seconds",
	"apps-start-timeout":          "Start app timeout in seconds",
	"apps-stage-timeout":          "Stage app timeout in seconds",
	"apps-upload-timeout":         "Upload app timeout in seconds",
	"apps-task-execution-timeout": "Task execution timeout in seconds",
	"version-rule":                "Version rule (HIGHER, SAME_HIGHER, ALL)",
	"i":                           "Active deploy operation ID",
	"a":                           "Action to perform on active deploy operation (abort, retry, resume, monitor)",
	"f":                           "Force deploy without confirmation for aborting conflicting processes",
	"retries":                     "Retry the operation N times in case a non-content error occurs (default 3)",
	"no-start":                    "Do not start apps",
	"namespace":                   "Namespace for the MTA, applied on app names, app routes and service names",
	"delete-services":             "Recreate changed services / delete discontinued services",
	"delete-service-keys":         "Delete existing service keys and apply the new ones",
	"keep-files":                  "Keep files used for deployment",
	"no-restart-subscribed-apps":  "Do not restart subscribed apps, updated during the deployment",
	"abort-on-error":              "Auto-abort the process on any errors",
	"no-confirm":                  "Do not require confirmation for deleting the previously deployed MTA apps",
	"strategy":                    "Specify the deployment strategy when updating an mta (default, blue-green)",
	"skip-testing-phase":          "(STRATEGY: BLUE-GREEN) Do not require confirmation for deleting the previously deployed MTA app",
	"skip-idle-start":             "(STRATEGY: BLUE-GREEN) Directly start the new MTA version as 'live', skipping the 'idle' phase of the resources. Do not require further confirmation or testing before deleting the old version",
	"m":                           "Deploy list of modules which are contained in the deployment descriptor, in the current location",
	"r":                           "Deploy list of resources which are contained in the deployment descriptor, in the current location",
	"all-modules":                 "Deploy all modules which are contained in the deployment descriptor, in the current location",
	"all-resources":               "Deploy all resources which are contained in the deployment descriptor, in the current location",
	"u":                           "Deploy engine URL (HOST:PORT), by default the local engine started on demand",
	"json":                        "Print newline-delimited JSON events and a final summary instead of text",
}

func options(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = optionHelp[n]
	}
	return m
}

var deployCommonOptions = []string{"e", "t", "apps-start-timeout", "apps-stage-timeout", "apps-upload-timeout",
	"apps-task-execution-timeout", "version-rule", "i", "a", "f", "retries", "no-start", "namespace",
	"delete-services", "delete-service-keys", "keep-files", "no-restart-subscribed-apps", "abort-on-error",
	"skip-idle-start", "m", "r", "all-modules", "all-resources", "u", "json"}

const deployFlagsUsage = `[-e EXT_DESCRIPTOR[,...]] [-t TIMEOUT] [--version-rule VERSION_RULE] [-u URL] [-f] [--retries RETRIES] [--no-start] [--namespace NAMESPACE] [--delete-services] [--delete-service-keys] [--keep-files] [--no-restart-subscribed-apps] [--abort-on-error] %s[--skip-idle-start] [-m MODULE ...] [-r RESOURCE ...] [--all-modules] [--all-resources] [--apps-start-timeout TIMEOUT] [--apps-stage-timeout TIMEOUT] [--apps-upload-timeout TIMEOUT] [--apps-task-execution-timeout TIMEOUT] [--json]`

var bgDeployMeta = plugin.Command{
	Name:     "bg-deploy",
	HelpText: "Deploy a multi-target app using blue-green deployment",
	UsageDetails: plugin.Usage{
		Usage: "cf bg-deploy MTA " + sprintf(deployFlagsUsage, "[--no-confirm] ") + `

   Perform action on an active deploy operation
   cf bg-deploy -i OPERATION_ID -a ACTION [-u URL] [--json]`,
		Options: options(append(deployCommonOptions, "no-confirm")...),
	},
}

var deployMeta = plugin.Command{
	Name:     "deploy",
	HelpText: "Deploy a new multi-target app or sync changes to an existing one",
	UsageDetails: plugin.Usage{
		Usage: "cf deploy MTA " + sprintf(deployFlagsUsage, "[--strategy STRATEGY] [--skip-testing-phase] ") + `

   Perform action on an active deploy operation
   cf deploy -i OPERATION_ID -a ACTION [-u URL] [--json]`,
		Options: options(append(deployCommonOptions, "strategy", "skip-testing-phase")...),
	},
}

var undeployMeta = plugin.Command{
	Name:     "undeploy",
	HelpText: "Undeploy a multi-target app",
	UsageDetails: plugin.Usage{
		Usage: `cf undeploy MTA_ID [-u URL] [-f] [--retries RETRIES] [--namespace NAMESPACE] [--delete-services] [--delete-service-keys] [--no-restart-subscribed-apps] [--abort-on-error] [--json]

   Perform action on an active undeploy operation
   cf undeploy -i OPERATION_ID -a ACTION [-u URL] [--json]`,
		Options: map[string]string{
			"i":                          "Active undeploy operation ID",
			"a":                          "Action to perform on the active undeploy operation (abort, retry, monitor)",
			"f":                          "Force undeploy without confirmation",
			"retries":                    optionHelp["retries"],
			"namespace":                  "Specify the (optional) namespace the target mta is in",
			"delete-services":            "Delete services",
			"delete-service-keys":        "Delete existing service keys",
			"no-restart-subscribed-apps": "Do not restart subscribed apps, updated during the undeployment",
			"abort-on-error":             optionHelp["abort-on-error"],
			"u":                          optionHelp["u"],
			"json":                       optionHelp["json"],
		},
	},
}

var mtasMeta = plugin.Command{
	Name:     "mtas",
	HelpText: "List all multi-target apps",
	UsageDetails: plugin.Usage{
		Usage:   "cf mtas [-u URL] [--json]",
		Options: options("u", "json"),
	},
}

var mtaMeta = plugin.Command{
	Name:     "mta",
	HelpText: "Display health and status for a multi-target app",
	UsageDetails: plugin.Usage{
		Usage: "cf mta MTA_ID [--namespace NAMESPACE] [-u URL] [--json]",
		Options: map[string]string{
			"namespace": "Namespace of the multi-target app",
			"u":         optionHelp["u"],
			"json":      optionHelp["json"],
		},
	},
}

var mtaOpsMeta = plugin.Command{
	Name:     "mta-ops",
	HelpText: "List multi-target app operations",
	UsageDetails: plugin.Usage{
		Usage: "cf mta-ops [--mta MTA] [-u URL] [--last NUM] [--all] [--json]",
		Options: map[string]string{
			"mta":  "Multi-target app ID for which to list operations",
			"last": "List last NUM operations",
			"all":  "List all operations, not just the active ones",
			"u":    optionHelp["u"],
			"json": optionHelp["json"],
		},
	},
}

var dmolMeta = plugin.Command{
	Name:     "download-mta-op-logs",
	Alias:    "dmol",
	HelpText: "Download logs of multi-target app operation",
	UsageDetails: plugin.Usage{
		Usage: `cf download-mta-op-logs -i OPERATION_ID [-d DIRECTORY] [-u URL] [--json]

   cf download-mta-op-logs --mta MTA [--last NUM] [-d DIRECTORY] [-u URL] [--json]`,
		Options: map[string]string{
			"i":    "Operation ID",
			"mta":  "Multi-target app ID for which to download logs",
			"last": "Download last NUM operation logs. Used with --mta",
			"d":    "Root directory to download logs, by default the current working directory",
			"u":    optionHelp["u"],
			"json": optionHelp["json"],
		},
	},
}
