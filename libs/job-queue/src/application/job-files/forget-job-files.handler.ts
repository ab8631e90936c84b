import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ForgetJobFilesCommand } from '../../public/actions/forget-job-files.command';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

@CommandHandler(ForgetJobFilesCommand)
export class ForgetJobFilesHandler implements ICommandHandler<ForgetJobFilesCommand, number> {
  constructor(@Inject(JOB_REPOSITORY) private readonly jobs: JobRepository) {}

  execute({ files }: ForgetJobFilesCommand): Promise<number> {
    return files.length ? this.jobs.forgetFiles(files) : Promise.resolve(0);
  }
}
