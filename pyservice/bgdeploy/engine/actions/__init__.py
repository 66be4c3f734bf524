"""The only code that changes Cloud Foundry. Each function observes first and writes only the
difference, so running it again after a crash or a retry does nothing twice. Creates look before they
create again after an ambiguous failure (create.py). Waiting is never done here: functions that start
asynchronous work record what to poll in the step's persisted work item and return."""
