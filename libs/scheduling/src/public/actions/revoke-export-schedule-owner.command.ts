import { Command } from '@nestjs/cqrs';

/**
 * Tells scheduling that a user or service account may no longer act (deleted, disabled, its roles
 * withdrawn): every run of its schedules in the tenant from now on is recorded failed with the
 * reason, and no export is requested. For the host's identity integration; permanent (an admin
 * deletes the schedules, the user creates new ones if it comes back).
 */
export class RevokeExportScheduleOwnerCommand extends Command<{ schedules: number }> {
  constructor(readonly tenant: string, readonly ownerId: string, readonly reason: string) {
    super();
  }
}
