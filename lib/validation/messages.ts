import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini installs no messages: without a locale every issue reads "Invalid input". These are the
// English messages the full zod API installs by default, so a field problem still says what is wrong
// ("Too big: expected string to have <=63 characters"). Every module that builds a schema imports this.
z.config(en());
