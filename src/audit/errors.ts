// Typed errors of the audit: bad input (an exit-2 problem for the CLI) and bad schedules.

/** Input that is not what the audit reads: names the field or line that is wrong. */
export class AuditInputError extends Error {
  readonly code = 'AUDIT_INPUT';
}

/** An EventBridge schedule expression that cannot be read or never fires. */
export class ScheduleExpressionError extends Error {
  readonly code = 'SCHEDULE_EXPRESSION';
}
