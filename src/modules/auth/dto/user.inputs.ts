import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, registerDecorator } from 'class-validator';
import { OptionalText, PasswordString } from '../../../core/validation/validators.js';

// Intl knows every IANA zone and alias (Europe/Kyiv as well as Europe/Kiev); offsets are not zones.
function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

function Is(check: (value: string) => boolean, message: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: `is-${propertyName}`,
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} ${message}` },
      validator: { validate: (value: unknown) => typeof value === 'string' && check(value) },
    });
}

@InputType()
export class UpdateProfileInput {
  @OptionalText(100)
  firstName?: string;

  @OptionalText(100)
  lastName?: string;

  @OptionalText(500)
  bio?: string;

  @ApiPropertyOptional({ example: 'Europe/Kyiv', description: 'IANA time zone' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Is(isTimeZone, 'must be an IANA time zone such as Europe/Kyiv')
  timezone?: string;

  @ApiPropertyOptional({ example: 'uk-UA', description: 'BCP 47 language tag' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  @Is(isLocale, 'must be a BCP 47 language tag such as en-GB')
  locale?: string;
}

@InputType()
export class ChangePasswordInput {
  @ApiProperty()
  @Field()
  @PasswordString()
  currentPassword!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @Field()
  @PasswordString()
  newPassword!: string;
}
