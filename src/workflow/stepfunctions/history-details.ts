// Where GetExecutionHistory puts an event's details: a member named after the event's type
// (`taskScheduledEventDetails`), except that every `…StateEntered` shares stateEnteredEventDetails
// and every `…StateExited` stateExitedEventDetails. The local endpoint writes by it; the
// Step Functions executions read by it.
export function historyDetailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}
