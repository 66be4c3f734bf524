"""The first lines of every deploy: the operation, the target, the descriptor's schema and warnings."""

from __future__ import annotations

from bgdeploy import messages as msg
from bgdeploy.engine.step import DONE, Step, StepContext, StepResult
from bgdeploy.engine.support import unsupported


class CollectTargetFacts(Step):
    name = "target"
    error_message = "Error collecting the target's facts"
    phase = "IDLE"

    def run(self, ctx: StepContext) -> StepResult:
        ctx.log.info(msg.OPERATION_ID.format(id=ctx.op.id))
        ctx.log.info(msg.DEPLOYING_IN.format(org=ctx.op.org_name, space=ctx.op.space_name))
        model = ctx.model("live")
        ctx.log.info(msg.SCHEMA_VERSION.format(version=model.schema_version.split(".")[0]))
        for warning in [*model.warnings, *unsupported(model)]:
            ctx.log.warn(warning)
        return DONE
