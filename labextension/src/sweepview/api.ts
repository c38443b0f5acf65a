/** The Sweep view's one call: GET sweeps/{run_id}. */
import { ServerConnection } from '@jupyterlab/services';

import { request } from '../api';
import { ISweepView } from './types';

export function getSweep(settings: ServerConnection.ISettings, id: string): Promise<ISweepView> {
  return request<ISweepView>(settings, ['sweeps', id]);
}
