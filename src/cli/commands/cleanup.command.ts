import { ExportsService } from '../../core/exports/exports.service.js';
import { AuditRetentionService } from '../../modules/audit/audit-retention.service.js';
import { FilesCleanupService } from '../../modules/files/files-cleanup.service.js';
import { NotificationRetention } from '../../modules/notifications/notification-retention.service.js';
import { type CliCommand, print } from '../cli-command.js';
import { withApp } from '../cli-runtime.js';

export const cleanupCommand: CliCommand = {
  name: 'cleanup',
  args: '',
  summary: 'run the retention and cleanup jobs once (files, audit, notifications, exports)',
  run: () =>
    withApp(async (app) => {
      const files = await app.get(FilesCleanupService).run();
      print(
        `files: ${files.purged} purged, ${files.orphans} orphans removed, ` +
          `${files.tempFiles} temporary files removed, ${files.requeued} requeued`,
      );
      print(`audit: ${await app.get(AuditRetentionService).deleteExpired()} entries deleted`);
      const notifications = await app.get(NotificationRetention).run();
      print(`notifications: ${notifications.deleted} deleted`);
      print(`exports: ${await app.get(ExportsService).expire()} expired files removed`);
    }),
};
