import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { AccountService } from './account.service.js';
import {
  ChangeEmailInput,
  ConfirmEmailChangeInput,
  DeleteAccountInput,
  JobAcceptedDto,
} from './dto/account.inputs.js';
import { SessionOnly } from '../../core/auth/auth.guard.js';

@Resolver()
// Account security: a signed-in session, never an API key.
@SessionOnly()
export class AccountResolver {
  constructor(private readonly account: AccountService) {}

  @Mutation(() => Boolean, {
    description: 'Change my email: a link goes to the new address, a notice to the old one',
  })
  async changeEmail(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: ChangeEmailInput,
  ): Promise<boolean> {
    await this.account.changeEmail(actor, input);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Confirm a change of email with the mailed token' })
  async confirmEmailChange(
    @CurrentUser() actor: AuthUser,
    @Args() input: ConfirmEmailChangeInput,
  ): Promise<boolean> {
    await this.account.confirmEmailChange(actor, input.token);
    return true;
  }

  @Mutation(() => Boolean, {
    description: 'Delete my account (restorable for a while, then anonymised)',
  })
  async deleteAccount(
    @CurrentUser() actor: AuthUser,
    @Args('input') input: DeleteAccountInput,
  ): Promise<boolean> {
    await this.account.deleteAccount(actor, input);
    return true;
  }

  @Mutation(() => JobAcceptedDto, { description: 'Export my data (GDPR) as a background job' })
  exportMyData(@CurrentUser() actor: AuthUser): Promise<JobAcceptedDto> {
    return this.account.requestExport(actor);
  }
}
