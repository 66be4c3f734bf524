"""User-visible progress texts, in the deploy service's words where it has them."""

OPERATION_ID = "Operation ID: {id}"
DEPLOYING_IN = 'Deploying in org "{org}" and space "{space}"'
SCHEMA_VERSION = 'Detected MTA schema version: "{version}"'
NO_DEPLOYED_MTA = "No deployed MTA detected - this is initial deployment"
DEPLOYED_MTA = 'Detected deployed MTA with ID "{id}" and version "{version}"'
NEW_MTA_VERSION = 'Detected new MTA version: "{version}"'
DEPLOYED_COLOR = "Deployed MTA color: {color}"
NEW_COLOR = "New MTA color: {color}"
BOTH_COLORS = ('There are both blue and green applications already deployed for MTA "{id}"; '
               "the live color {color} was taken from the operation history ({why})")
ADDING_COLOR = 'Renaming application "{old}" to "{new}"...'

CREATING_SERVICE = 'Creating service "{name}" from MTA resource "{resource}"...'
UPDATING_SERVICE = 'Updating service "{name}"...'
SERVICE_UNCHANGED = 'Service "{name}" is up to date'
CREATING_SERVICE_KEY = 'Creating service key "{key}" for service instance "{name}"...'
EXISTING_SERVICE = 'Using existing service "{name}"'

CREATING_APP = 'Creating application "{app}" from MTA module "{module}"...'
CREATING_APP_FROM_DOCKER = 'Creating app "{app}" from Docker image "{image}"...'
UPDATING_APP = 'Updating application "{app}"...'
BINDING = 'Binding service instance "{service}" to application "{app}"...'
UPLOADING_APP = 'Uploading application "{app}"...'
CONTENT_UNCHANGED = 'Content of application "{app}" is not changed - upload will be skipped.'
REUSING_DROPLET = 'Application "{app}" uses the unchanged droplet of "{source}"'
STAGING_APP = 'Staging application "{app}"...'
APP_STAGED = 'Application "{app}" staged'
STARTING_APP = 'Starting application "{app}"...'
RESTARTING_APP = 'Restarting application "{app}"...'
APP_STARTED = 'Application "{app}" started and available at "{urls}"'
APP_STARTED_NO_ROUTE = 'Application "{app}" started'
NOT_STARTING = 'Application "{app}" will not be started (no-start)'
MAPPING_ROUTE = 'Mapping route "{route}" to application "{app}"...'
UNMAPPING_ROUTE = 'Unmapping route "{route}" from application "{app}"...'

TESTING_PHASE = ("Process has entered validation phase. After testing your new deployment "
                 "you can resume or abort the process.")
TESTING_PHASE_STRATEGY = ("Process has entered testing phase. After testing your new deployment "
                          "you can resume or abort the process.")
ROUTES_SETTLING = "Waiting {seconds}s for the routers to learn the route changes..."
ROUTES_PROBING = "Waiting for the routers to learn the route changes ({count} routes and instances)..."
ROUTES_CONFIRMED = ("The routers have learnt the route changes ({count} routes and instances, {probes} probes, "
                    "{seconds} s)")
ROUTES_RELAPSED = ('A router still routes "{url}" to "{app}": waiting for the routers again before the previous '
                   "applications stop")
ROUTES_UNREACHABLE = ('Cannot probe the routers of "{host}" from the deploy engine ({why}); '
                      "waiting {seconds}s for them instead")
ROUTES_TIMEOUT = ("The routers did not confirm within {seconds}s that {what}. The previous applications "
                  "still serve; retry when the routers have caught up")
ROUTES_UNCONFIRMED = "The routers did not confirm within {seconds}s that {what}; the new applications are kept"
DRAINING = "Waiting {seconds}s for requests in flight on the previous applications to finish..."
DELETING_IDLE_ROUTE = 'Deleting temporary route "{route}"...'
DELETING_ROUTES = 'Deleting routes for application "{app}"...'
ROUTE_IN_USE = 'Route "{route}" not deleted since it is in use'
STOPPING_APP = 'Stopping application "{app}"...'
DELETING_APP = 'Deleting application "{app}"...'
DELETING_BINDING = 'Unbinding service instance "{service}" from application "{app}"...'
SKIP_SERVICE_DELETION = ('Skipping deletion of services, because the command line option "--delete-services" '
                         "is not specified.")
DELETING_SERVICE = 'Deleting service "{name}"...'
DELETING_SERVICE_KEY = 'Deleting service key "{key}" for service instance "{name}"...'
PROCESS_ABORTED = "Process was aborted."
TOKEN_EXPIRED = ('The access token expired while the operation ran without the cf CLI attached. '
                 'Use "cf bg-deploy -i {id} -a retry" to retry the operation.')
ENGINE_RESTARTED = ('The deploy engine restarted while the operation was running. '
                    'Use "cf bg-deploy -i {id} -a retry" to continue it.')
UNDEPLOYING_MTA = 'Undeploying multi-target app "{id}"...'
TAKEN_OVER = ('The deploy engine instance that ran the operation stopped; instance {instance} took it over, '
              'but no cf CLI of {user} reattached with a token. Use "cf bg-deploy -i {id} -a retry" to continue it.')
NEEDS_TOKEN = 'Action "{action}" needs your access token'
LOCKED_IN_CF = ('Conflicting process "{id}" found for MTA "{mta}": another deploy engine (user {user}) holds '
                'its lock in this space. Wait for it to finish, abort it there, or deploy with -f to break the lock.')

EXECUTING_HOOK = 'Executing hook "{hook}"'
EXECUTING_TASK = 'Executing task "{task}" on application "{app}"...'
CANCELING_TASK = 'Canceling task "{task}" on application "{app}"...'
TASK_FAILED = 'Execution of task "{task}" on application "{app}" failed: task state {state} ({reason})'
TASK_TIMED_OUT = 'Execution of task "{task}" on application "{app}" did not finish within {seconds} seconds'
INCREMENTAL_UPDATE = 'Starting incremental application instance update for "{app}"...'
INCREMENTAL_STANDARD = ('Due to missing productive deployed application of module "{module}", the new '
                        "application will be scaled in standard way")
SCALING_APP = 'Scaling application "{app}" to "{instances}" instances...'
SCALING_DOWN_NEW = 'Scaling down new application: "{app}" to one instance'
SCALING_UP_OLD = 'Scaling up old application: "{app}" to {instances} instances'

SMOKE_CHECKING = "Checking the new version on its temporary routes ({what} of the descriptor)..."
SMOKE_CHECK_PASSED = 'Smoke check passed: GET {url} answered {answer}'
SMOKE_CHECK_RETRY = 'Smoke check failed: GET {url} {got}; trying again ({left} tries left)'
SMOKE_CHECK_FAILED = 'module "{module}": GET {url} {got} (expected {expected}, {tries} tries)'
SMOKE_COMMANDS = 'Waiting for the cf CLI to run {what} against the new version...'
SMOKE_PASSED = "Smoke tests passed."
SMOKE_SKIPPED_FIRST = "No version is live yet, so the new one went straight to its productive routes: no smoke tests."
SMOKE_SKIPPED_IDLE_START = "The new version is not started on its temporary routes (--skip-idle-start): no smoke tests."
SMOKE_COMMAND_FAILED = '"{command}": {why}'
SMOKE_NOBODY = ('No cf CLI is attached to run the smoke tests. Use "cf {command} -i {id} -a retry" to run them '
                "(where the deploy was started: the commands stay on that machine).")
SMOKE_NO_REPORT = "The cf CLI that runs the smoke tests did not report within {seconds} seconds"

BACKUP_KEEPING = ('Keeping application "{app}" (version {version}) stopped for rollback until {until}: '
                  '"cf rollback-mta {mta}"')
BACKUP_REPLACING = ('Deleting the applications of version {version} kept for rollback by operation {op} '
                    "(a new deploy replaces the backup)...")
ROLLBACK_TARGET = 'Rolling back multi-target app "{mta}" from version {current} to version {version}...'
ROLLBACK_SERVICES = ("Services are not rolled back: the previous version runs with the services (and their "
                     "configuration) as they are now.")
ROLLBACK_SCALING = 'Scaling application "{app}" to {instances} instances...'
# Services (issue 14): recreation, per-aspect updates, service keys, bindings, apps taken over.
SERVICE_NEEDS_RECREATION = ('Service described by MTA resource "{resource}" of type [{wanted}] does not match already '
                            'existing service "{name}" of type [{existing}] and needs to be recreated. Use command '
                            'line option "--delete-services" to enable the deletion of the existing one.')
RECREATING_SERVICE = ('Service "{name}" is of type [{existing}], resource "{resource}" wants [{wanted}]: '
                      "it is deleted and created again (--delete-services)")
UPDATING_SERVICE_TAGS = 'Updating service tags for service "{name}"...'
SKIP_PLAN_UPDATE = ('Service plan for service "{name}" will not be updated, as the option for skipping service '
                    "plan updates is enabled.")
SKIP_PARAMETERS_UPDATE = ('Service parameters for service "{name}" will not be updated, as the option for '
                          "skipping service parameter updates is enabled.")
SKIP_TAGS_UPDATE = ('Service tags for service "{name}" will not be updated, as the option for skipping service '
                    "tags updates is enabled.")
SKIP_SYSLOG_UPDATE = ('Skipping update of log streaming URL for service "{name}", as the option to skip log '
                      "streaming URL updates is enabled.")
UPDATE_REFUSED_IGNORED = 'Service instance: "{name}" {aspect} update failed, ignoring failure...'
UPDATE_REFUSED = 'Could not update {aspect} of service "{name}" : {detail}'
UPDATE_FAILED_IGNORED = 'Updating service "{name}" failed: {detail}'
UPDATE_FAILED = 'Error updating service "{name}" from offering "{offering}" and plan "{plan}": {detail}'
WILL_NOT_UPDATE_SERVICE_KEY = ('Service key "{key}" for service "{name}" will not be updated, as the option for '
                               "deleting service keys is not specified!")
SERVICE_KEY_NOT_FOUND = 'Service key "{key}" of service instance "{name}" not found'
WILL_NOT_REBIND_KEEP_EXISTING = ('Service instance "{service}" will not be rebound to application "{app}" because '
                                 "keep existing bindings strategy is defined")
REBINDING = 'Binding parameters of service instance "{service}" changed: application "{app}" is bound again'
KEEPING_BINDING = ('Service instance "{service}" stays bound to application "{app}" (keep-existing: '
                   "service-bindings)")
TAKING_OVER_APP = ('Application "{app}" has no MTA metadata; it is taken over as module "{module}" of MTA '
                   '"{id}"')
