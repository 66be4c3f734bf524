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
CREATING_SERVICE_KEY = 'Creating service key "{key}" for service "{name}"...'
EXISTING_SERVICE = 'Using existing service "{name}"'

CREATING_APP = 'Creating application "{app}" from MTA module "{module}"...'
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
DELETING_SERVICE_KEY = 'Deleting service key "{key}" of service "{name}"...'
PROCESS_ABORTED = "Process was aborted."
TOKEN_EXPIRED = ('The access token expired while the operation ran without the cf CLI attached. '
                 'Use "cf bg-deploy -i {id} -a retry" to retry the operation.')
ENGINE_RESTARTED = ('The deploy engine restarted while the operation was running. '
                    'Use "cf bg-deploy -i {id} -a retry" to continue it.')
UNDEPLOYING_MTA = 'Undeploying multi-target app "{id}"...'
