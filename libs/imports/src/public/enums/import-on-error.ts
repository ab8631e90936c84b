/** What a batch does with a bad row: fail the row alone and go on, or fail the batch there. */
export enum ImportOnError {
  Continue = 'continue',
  Abort = 'abort',
}
