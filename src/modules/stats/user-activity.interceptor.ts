import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { getRequest } from '../../core/http/get-request.js';
import { UserActivityRecorder } from './user-activity.recorder.js';

/** Marks the caller of every authenticated request as active today (no await on the request path). */
@Injectable()
export class UserActivityInterceptor implements NestInterceptor {
  constructor(private readonly activity: UserActivityRecorder) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    if (type === 'http' || type === 'graphql') {
      const userId = getRequest(context)?.user?.id;
      if (userId) this.activity.seen(userId);
    }
    return next.handle();
  }
}
