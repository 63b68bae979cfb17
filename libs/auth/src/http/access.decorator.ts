import { SetMetadata } from '@nestjs/common';
import type { Access } from '../access';

export const ACCESS_METADATA = 'lead:access';
export const PUBLIC_METADATA = 'lead:public';

/** The access rule of a route or controller (see ACCESS for the roles it admits). */
export const Allow = (access: Access) => SetMetadata(ACCESS_METADATA, access);

/** A route anyone may call (GET /health). */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
