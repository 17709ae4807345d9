import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../core/auth/auth-user.js';
import { CurrentUser } from '../../core/auth/current-user.decorator.js';
import { Public } from '../../core/auth/public.decorator.js';
import { PageArgs } from '../../core/pagination/page.args.js';
import type { Page } from '../../core/pagination/page.js';
import { UuidParam } from '../../core/validation/uuid.js';
import { FileDto, FileLinkDto, FilePage, StorageUsageDto } from './dto/file.dto.js';
import {
  FileLinkInput,
  SignedDownloadQuery,
  ThumbnailQuery,
  UploadFileQuery,
} from './dto/files.inputs.js';
import { type DownloadConditions, FileDownloadsService } from './file-downloads.service.js';
import { FilesService } from './files.service.js';
import { readFilePart, sendDownload, uploadKindOf } from './multipart-upload.js';

const FILE_BODY = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', format: 'binary' } },
  },
};

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const conditionsOf = (request: FastifyRequest): DownloadConditions => ({
  range: header(request, 'range'),
  ifNoneMatch: header(request, 'if-none-match'),
  ifRange: header(request, 'if-range'),
});

@ApiTags('files')
@ApiBearerAuth()
@Controller()
export class FilesController {
  constructor(
    private readonly files: FilesService,
    private readonly downloads: FileDownloadsService,
  ) {}

  @Post('files')
  @ApiOperation({ summary: 'Upload an attachment (multipart field "file", streamed)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody(FILE_BODY)
  @ApiCreatedResponse({ type: FileDto })
  async upload(
    @CurrentUser() actor: AuthUser,
    @Query() query: UploadFileQuery,
    @Req() request: FastifyRequest,
  ): Promise<FileDto> {
    const part = await readFilePart(request);
    return this.files.upload(actor, uploadKindOf(part, query.kind), part);
  }

  @Post('users/me/avatar')
  @ApiOperation({ summary: 'Upload my avatar (JPEG/PNG/GIF/WebP); it becomes avatarFileId' })
  @ApiConsumes('multipart/form-data')
  @ApiBody(FILE_BODY)
  @ApiCreatedResponse({ type: FileDto })
  async uploadAvatar(
    @CurrentUser() actor: AuthUser,
    @Req() request: FastifyRequest,
  ): Promise<FileDto> {
    return this.files.upload(actor, 'avatar', await readFilePart(request));
  }

  @Get('files')
  @ApiOperation({ summary: 'My files, newest first' })
  @ApiOkResponse({ type: FilePage })
  mine(@CurrentUser() actor: AuthUser, @Query() page: PageArgs): Promise<Page<FileDto>> {
    return this.files.listMine(actor, page);
  }

  @Get('files/usage')
  @ApiOperation({ summary: 'My storage use and quota' })
  @ApiOkResponse({ type: StorageUsageDto })
  usage(@CurrentUser() actor: AuthUser): Promise<StorageUsageDto> {
    return this.files.usage(actor);
  }

  @Get('files/:id')
  @ApiOperation({ summary: "A file's metadata (owner or files.read.any)" })
  @ApiOkResponse({ type: FileDto })
  get(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<FileDto> {
    return this.files.get(actor, id);
  }

  @Get('files/:id/content')
  @ApiOperation({ summary: 'The bytes (ETag / If-None-Match → 304, Range → 206)' })
  @ApiProduces('application/octet-stream')
  async content(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return sendDownload(reply, await this.downloads.content(actor, id, conditionsOf(request)));
  }

  @Get('files/:id/thumbnail')
  @ApiOperation({ summary: 'A WebP thumbnail of an image (size 64 or 256)' })
  @ApiProduces('image/webp')
  async thumbnail(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Query() query: ThumbnailQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const download = await this.downloads.thumbnail(
      actor,
      id,
      query.size ?? 256,
      conditionsOf(request),
    );
    return sendDownload(reply, download);
  }

  @Post('files/:id/link')
  @ApiOperation({ summary: 'A signed, expiring download link that needs no bearer token' })
  @ApiCreatedResponse({ type: FileLinkDto })
  link(
    @CurrentUser() actor: AuthUser,
    @UuidParam('id') id: string,
    @Body() input: FileLinkInput,
  ): Promise<FileLinkDto> {
    return this.downloads.link(actor, id, 'original', input.expiresInSeconds);
  }

  @Get('files/:id/download')
  @Public()
  @ApiOperation({ summary: 'Download through a signed link (local storage; S3 links go to S3)' })
  @ApiProduces('application/octet-stream')
  async signed(
    @UuidParam('id') id: string,
    @Query() query: SignedDownloadQuery,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    return sendDownload(reply, await this.downloads.signed(id, query, conditionsOf(request)));
  }

  @Delete('files/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a file (soft; the bytes are purged later)' })
  async delete(@CurrentUser() actor: AuthUser, @UuidParam('id') id: string): Promise<void> {
    await this.files.delete(actor, id);
  }
}
