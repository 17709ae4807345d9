import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { type FileUpload, GraphQLUpload } from '../../core/graphql/upload.scalar.js';
import { PageArgs } from '../../core/pagination/page.args.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidArg } from '../../core/validation/uuid.js';
import { FileDto, FileLinkDto, FilePage, sourceOf, StorageUsageDto } from './dto/file.dto.js';
import { FileLinkInput, ThumbnailQuery } from './dto/files.inputs.js';
import { FileDownloadsService } from './file-downloads.service.js';
import { discard, FilesService, type UploadSource } from './files.service.js';
import { parseUploadKind } from './multipart-upload.js';

async function sourceFrom(upload: Promise<FileUpload>): Promise<UploadSource> {
  const file = await upload;
  return { stream: file.createReadStream(), filename: file.filename, mimeType: file.mimetype };
}

@Resolver(() => FileDto)
export class FilesResolver {
  constructor(
    private readonly files: FilesService,
    private readonly downloads: FileDownloadsService,
  ) {}

  @Mutation(() => FileDto, { description: 'Upload an attachment (GraphQL multipart request)' })
  async uploadFile(
    @CurrentUser() actor: AuthUser,
    @Args('file', { type: () => GraphQLUpload }) file: Promise<FileUpload>,
    @Args('kind', { type: () => String, nullable: true, defaultValue: 'attachment' }) kind: string,
  ): Promise<FileDto> {
    const source = await sourceFrom(file);
    let upload: 'attachment';
    try {
      upload = parseUploadKind(kind);
    } catch (error) {
      throw discard(source, error);
    }
    return this.files.upload(actor, upload, source);
  }

  @Mutation(() => FileDto, { description: 'Upload my avatar; it becomes avatarFileId' })
  async uploadAvatar(
    @CurrentUser() actor: AuthUser,
    @Args('file', { type: () => GraphQLUpload }) file: Promise<FileUpload>,
  ): Promise<FileDto> {
    return this.files.upload(actor, 'avatar', await sourceFrom(file));
  }

  @Query(() => FilePage, { description: 'My files, newest first' })
  myFiles(
    @CurrentUser() actor: AuthUser,
    @Args('page', { type: () => PageArgs, nullable: true }) page?: PageArgs,
  ): Promise<Page<FileDto>> {
    return this.files.listMine(actor, page ?? {});
  }

  @Query(() => FileDto, { description: "A file's metadata (owner or files.read.any)" })
  file(@CurrentUser() actor: AuthUser, @UuidArg('id') id: string): Promise<FileDto> {
    return this.files.get(actor, id);
  }

  @Query(() => StorageUsageDto, { description: 'My storage use and quota' })
  myStorageUsage(@CurrentUser() actor: AuthUser): Promise<StorageUsageDto> {
    return this.files.usage(actor);
  }

  @Mutation(() => FileLinkDto, { description: 'A signed, expiring download link' })
  fileLink(
    @CurrentUser() actor: AuthUser,
    @UuidArg('id') id: string,
    @Args('input', { type: () => FileLinkInput, nullable: true }) input?: FileLinkInput,
  ): Promise<FileLinkDto> {
    return this.downloads.link(actor, id, 'original', input?.expiresInSeconds);
  }

  @Mutation(() => Boolean, { description: 'Delete a file (soft)' })
  async deleteFile(@CurrentUser() actor: AuthUser, @UuidArg('id') id: string): Promise<boolean> {
    await this.files.delete(actor, id);
    return true;
  }

  // A plain field resolver, called with the file only (see core/graphql/loaders.ts).
  @ResolveField(() => String, { description: 'A signed download link (FILES_LINK_TTL_SECONDS)' })
  async url(file: FileDto): Promise<string> {
    const source = sourceOf(file);
    if (!source) throw new Error('File source missing');
    return (await this.downloads.linkFor(source, 'original', this.downloads.ttl)).url;
  }

  @ResolveField(() => String, {
    nullable: true,
    description: 'A signed link to a WebP thumbnail (64 or 256 px), once processed',
  })
  async thumbnailUrl(
    @Parent() file: FileDto,
    @Args() { size }: ThumbnailQuery,
  ): Promise<string | null> {
    const source = sourceOf(file);
    if (!source?.hasThumbnails) return null;
    const variant = size === 64 ? 'thumb-64' : 'thumb-256';
    return (await this.downloads.linkFor(source, variant, this.downloads.ttl)).url;
  }
}
